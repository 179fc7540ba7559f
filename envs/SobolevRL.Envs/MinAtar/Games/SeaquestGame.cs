using SobolevRL.Envs.Random;

namespace SobolevRL.Envs.MinAtar.Games;

/// <summary>
/// MinAtar Seaquest (v1.0.15 rules). The player's two-cell submarine shoots fish and enemy subs (+1 each), picks up
/// divers and must surface with at least one diver before its oxygen runs out. Surfacing refills the oxygen and drops one
/// diver; surfacing with six drops all of them and pays one point per remaining tenth of oxygen. Every surfacing ramps
/// the difficulty (faster spawns and movement). Contact with a fish, an enemy sub or an enemy bullet ends the game, as
/// do running out of oxygen and surfacing without divers.
/// </summary>
/// <remarks>
/// Reproduces the reference step for step, quirks included: the entity lists are walked back to front and removed from
/// by value as the reference's Python lists are; an enemy sub removed in a step still fires if its shot timer is due;
/// and surfacing with six divers leaves the diver count at -1, after which surfacing without divers no longer ends the
/// game (the count just keeps falling).
/// </remarks>
public sealed class SeaquestGame : IMinAtarGame
{
    private const int Size = 10;
    private const int ChannelCount = 10;
    private const int MaxOxygen = 200;
    private const int InitialSpawnInterval = 20;
    private const int DiverSpawnInterval = 30;
    private const int InitialMoveInterval = 5;
    private const int ShotCooldown = 5;
    private const int EnemyShotInterval = 10;
    private const int DiverMoveInterval = 5;
    private const int MaxDivers = 6;

    private const int SubFrontChannel = 0, SubBackChannel = 1, FriendlyBulletChannel = 2, TrailChannel = 3,
        EnemyBulletChannel = 4, FishChannel = 5, EnemySubChannel = 6, OxygenChannel = 7, DiverGaugeChannel = 8,
        DiverChannel = 9;

    private static readonly IReadOnlyList<string> Channels = Array.AsReadOnly<string>(
    [
        "sub_front", "sub_back", "friendly_bullet", "trail", "enemy_bullet", "enemy_fish", "enemy_sub",
        "oxygen_guage", "diver_guage", "diver",
    ]);

    private static readonly IReadOnlyList<int> MinimalActions = Array.AsReadOnly<int>([0, 1, 2, 3, 4, 5]);

    private readonly NumpyRandomState _rng;
    private readonly bool _ramping;
    private readonly SeaquestEntityList _friendlyBullets = new(8);
    private readonly SeaquestEntityList _enemyBullets = new(32);
    private readonly SeaquestEntityList _fish = new(32);
    private readonly SeaquestEntityList _enemySubs = new(32);
    private readonly SeaquestEntityList _divers = new(8);

    private int _subX, _subY;
    private bool _subFacingRight;
    private int _shotTimer;
    private int _enemySpawnTimer, _diverSpawnTimer;
    private bool _atSurface;
    private bool _terminal;

    /// <summary>Creates the game drawing from <paramref name="rng"/>; <paramref name="ramping"/> turns difficulty ramping on.</summary>
    public SeaquestGame(NumpyRandomState rng, bool ramping)
    {
        _rng = rng ?? throw new ArgumentNullException(nameof(rng));
        _ramping = ramping;
        Reset();
    }

    /// <inheritdoc />
    public string Name => "Seaquest";

    /// <inheritdoc />
    public IReadOnlyList<string> ChannelNames => Channels;

    /// <inheritdoc />
    public IReadOnlyList<int> MinimalActionSet => MinimalActions;

    /// <summary>Remaining oxygen (200 when full; the game ends on the step after it reaches 0 under water).</summary>
    public int Oxygen { get; internal set; }

    /// <summary>Divers on board (0..6; -1 or lower after a six-diver surfacing, as in the reference).</summary>
    public int DiverCount { get; internal set; }

    /// <summary>Steps between enemy spawns (20 at the start, lowered by ramping down to 1).</summary>
    public int EnemySpawnInterval { get; private set; }

    /// <summary>Steps an enemy waits between moves (5 at the start, lowered by ramping down to 2).</summary>
    public int EnemyMoveInterval { get; private set; }

    /// <summary>How many times the difficulty has ramped up in this episode (the reference's <c>difficulty_ramp()</c>).</summary>
    public int DifficultyRamp { get; private set; }

    /// <inheritdoc />
    public void Reset()
    {
        Oxygen = MaxOxygen;
        DiverCount = 0;
        _subX = 5;
        _subY = 0;
        _subFacingRight = false;
        _friendlyBullets.Clear();
        _enemyBullets.Clear();
        _fish.Clear();
        _enemySubs.Clear();
        _divers.Clear();
        EnemySpawnInterval = InitialSpawnInterval;
        _enemySpawnTimer = InitialSpawnInterval;
        _diverSpawnTimer = DiverSpawnInterval;
        EnemyMoveInterval = InitialMoveInterval;
        DifficultyRamp = 0;
        _shotTimer = 0;
        _atSurface = true;
        _terminal = false;
    }

    /// <inheritdoc />
    public (float Reward, bool Terminal) Act(int action)
    {
        if ((uint)action > 5) throw new ArgumentOutOfRangeException(nameof(action), action, "MinAtar actions are 0..5");
        if (_terminal) return (0f, true);

        if (_enemySpawnTimer == 0)
        {
            SpawnEnemy();
            _enemySpawnTimer = EnemySpawnInterval;
        }
        if (_diverSpawnTimer == 0)
        {
            SpawnDiver();
            _diverSpawnTimer = DiverSpawnInterval;
        }

        MovePlayer(action);
        int reward = UpdateFriendlyBullets();
        UpdateDivers();
        reward += UpdateEnemySubs();
        UpdateEnemyBullets();
        reward += UpdateFish();

        if (_enemySpawnTimer > 0) _enemySpawnTimer--;
        if (_diverSpawnTimer > 0) _diverSpawnTimer--;
        if (_shotTimer > 0) _shotTimer--;
        if (Oxygen <= 0) _terminal = true;
        if (_subY > 0)
        {
            Oxygen--;
            _atSurface = false;
        }
        else if (!_atSurface)
        {
            if (DiverCount == 0) _terminal = true;
            else reward += Surface();
        }
        return (reward, _terminal);
    }

    private void MovePlayer(int action)
    {
        switch (action)
        {
            case 5 when _shotTimer == 0:
                _friendlyBullets.Add(new SeaquestEntity(_subX, _subY, _subFacingRight));
                _shotTimer = ShotCooldown;
                break;
            case 1:
                _subX = Math.Max(0, _subX - 1);
                _subFacingRight = false;
                break;
            case 3:
                _subX = Math.Min(9, _subX + 1);
                _subFacingRight = true;
                break;
            case 2:
                _subY = Math.Max(0, _subY - 1);
                break;
            case 4:
                _subY = Math.Min(8, _subY + 1);
                break;
        }
    }

    // Each Update* walks its list from the back. The reference iterates reversed(list) while calling list.remove(item),
    // which removes the first element EQUAL to item; for an exact match, the element being visited is written back
    // before each removal, and its position is tracked in case an equal element in front of it was removed instead
    // (then it sits one place earlier, which is also where the backwards walk goes next).

    private int UpdateFriendlyBullets()
    {
        int reward = 0;
        for (int i = _friendlyBullets.Count - 1; i >= 0 && i < _friendlyBullets.Count; i--)
        {
            ref SeaquestEntity bullet = ref _friendlyBullets[i];
            bullet.X += bullet.Step;
            SeaquestEntity moved = bullet;
            if (moved.IsOffGrid)
            {
                _friendlyBullets.RemoveFirstEqual(moved);
                continue;
            }
            int hit = _fish.IndexAt(moved.X, moved.Y);
            if (hit >= 0)
            {
                _fish.RemoveAt(hit);
                _friendlyBullets.RemoveFirstEqual(moved);
                reward++;
                continue;
            }
            hit = _enemySubs.IndexAt(moved.X, moved.Y);
            if (hit >= 0)
            {
                _enemySubs.RemoveAt(hit);
                _friendlyBullets.RemoveFirstEqual(moved);
                reward++;
            }
        }
        return reward;
    }

    private void UpdateDivers()
    {
        for (int i = _divers.Count - 1; i >= 0 && i < _divers.Count; i--)
        {
            ref SeaquestEntity diver = ref _divers[i];
            if (diver.IsAt(_subX, _subY) && DiverCount < MaxDivers)
            {
                _divers.RemoveFirstEqual(diver);
                DiverCount++;
                continue;
            }
            if (diver.MoveTimer != 0)
            {
                diver.MoveTimer--;
                continue;
            }
            diver.MoveTimer = DiverMoveInterval;
            diver.X += diver.Step;
            SeaquestEntity moved = diver;
            if (moved.IsOffGrid)
            {
                _divers.RemoveFirstEqual(moved);
            }
            else if (moved.IsAt(_subX, _subY) && DiverCount < MaxDivers)
            {
                _divers.RemoveFirstEqual(moved);
                DiverCount++;
            }
        }
    }

    private int UpdateEnemySubs()
    {
        int reward = 0;
        for (int i = _enemySubs.Count - 1; i >= 0 && i < _enemySubs.Count; i--)
        {
            // A removed sub still takes its shot below, so work on a copy and track where it lives in the list.
            SeaquestEntity sub = _enemySubs[i];
            int at = i;
            if (sub.IsAt(_subX, _subY)) _terminal = true;
            if (sub.MoveTimer == 0)
            {
                sub.MoveTimer = EnemyMoveInterval;
                sub.X += sub.Step;
                if (sub.IsOffGrid)
                {
                    at = RemoveVisited(_enemySubs, sub, at);
                }
                else if (sub.IsAt(_subX, _subY))
                {
                    _terminal = true;
                }
                else
                {
                    int bullet = _friendlyBullets.IndexAt(sub.X, sub.Y);
                    if (bullet >= 0)
                    {
                        at = RemoveVisited(_enemySubs, sub, at);
                        _friendlyBullets.RemoveAt(bullet);
                        reward++;
                    }
                }
            }
            else
            {
                sub.MoveTimer--;
            }
            if (sub.ShotTimer == 0)
            {
                sub.ShotTimer = EnemyShotInterval;
                _enemyBullets.Add(new SeaquestEntity(sub.X, sub.Y, sub.MovingRight));
            }
            else
            {
                sub.ShotTimer--;
            }
            if (at >= 0) _enemySubs[at] = sub;
        }
        return reward;
    }

    private void UpdateEnemyBullets()
    {
        for (int i = _enemyBullets.Count - 1; i >= 0 && i < _enemyBullets.Count; i--)
        {
            ref SeaquestEntity bullet = ref _enemyBullets[i];
            if (bullet.IsAt(_subX, _subY)) _terminal = true;
            bullet.X += bullet.Step;
            SeaquestEntity moved = bullet;
            if (moved.IsOffGrid) _enemyBullets.RemoveFirstEqual(moved);
            else if (moved.IsAt(_subX, _subY)) _terminal = true;
        }
    }

    private int UpdateFish()
    {
        int reward = 0;
        for (int i = _fish.Count - 1; i >= 0 && i < _fish.Count; i--)
        {
            ref SeaquestEntity fish = ref _fish[i];
            if (fish.IsAt(_subX, _subY)) _terminal = true;
            if (fish.MoveTimer != 0)
            {
                fish.MoveTimer--;
                continue;
            }
            fish.MoveTimer = EnemyMoveInterval;
            fish.X += fish.Step;
            SeaquestEntity moved = fish;
            if (moved.IsOffGrid)
            {
                _fish.RemoveFirstEqual(moved);
            }
            else if (moved.IsAt(_subX, _subY))
            {
                _terminal = true;
            }
            else
            {
                int bullet = _friendlyBullets.IndexAt(moved.X, moved.Y);
                if (bullet >= 0)
                {
                    _fish.RemoveFirstEqual(moved);
                    _friendlyBullets.RemoveAt(bullet);
                    reward++;
                }
            }
        }
        return reward;
    }

    /// <summary>Writes back the visited element, removes the first element equal to it and returns where it now is (-1 if it was the one removed).</summary>
    private static int RemoveVisited(SeaquestEntityList list, in SeaquestEntity visited, int index)
    {
        list[index] = visited;
        int removed = list.RemoveFirstEqual(visited);
        return removed == index ? -1 : index - 1;
    }

    private int Surface()
    {
        _atSurface = true;
        int reward = 0;
        if (DiverCount == MaxDivers)
        {
            DiverCount = 0;
            reward = Oxygen * 10 / MaxOxygen;
        }
        Oxygen = MaxOxygen;
        DiverCount--;
        if (_ramping && (EnemySpawnInterval > 1 || EnemyMoveInterval > 2))
        {
            if (EnemyMoveInterval > 2 && DifficultyRamp % 2 == 1) EnemyMoveInterval--;
            if (EnemySpawnInterval > 1) EnemySpawnInterval--;
            DifficultyRamp++;
        }
        return reward;
    }

    private void SpawnEnemy()
    {
        // All three draws happen even when the spawn is then skipped.
        bool movingRight = _rng.Rand() < 0.5;
        bool isSub = _rng.Rand() < 1.0 / 3.0;
        int x = movingRight ? 0 : 9;
        int y = _rng.RandInt(1, 9);
        if (HasEnemyInRowMoving(y, !movingRight)) return;
        if (isSub) _enemySubs.Add(new SeaquestEntity(x, y, movingRight, EnemyMoveInterval, EnemyShotInterval));
        else _fish.Add(new SeaquestEntity(x, y, movingRight, EnemyMoveInterval));
    }

    private bool HasEnemyInRowMoving(int y, bool movingRight)
    {
        for (int i = 0; i < _enemySubs.Count; i++)
            if (_enemySubs[i].Y == y && _enemySubs[i].MovingRight == movingRight) return true;
        for (int i = 0; i < _fish.Count; i++)
            if (_fish[i].Y == y && _fish[i].MovingRight == movingRight) return true;
        return false;
    }

    private void SpawnDiver()
    {
        bool movingRight = _rng.Rand() < 0.5;
        int y = _rng.RandInt(1, 9);
        _divers.Add(new SeaquestEntity(movingRight ? 0 : 9, y, movingRight, DiverMoveInterval));
    }

    /// <inheritdoc />
    public void WriteState(Span<byte> chw)
    {
        if (chw.Length < ChannelCount * Size * Size)
            throw new ArgumentException($"needs {ChannelCount * Size * Size} bytes, got {chw.Length}", nameof(chw));
        chw = chw[..(ChannelCount * Size * Size)];
        chw.Clear();

        Set(chw, SubFrontChannel, _subX, _subY);
        // The back cell is always on the grid: the sub can face right at x=0 or left at x=9 only by moving away.
        Set(chw, SubBackChannel, _subFacingRight ? _subX - 1 : _subX + 1, _subY);
        int oxygenCells = Math.Max(0, Oxygen) * 10 / MaxOxygen;
        for (int x = 0; x < oxygenCells; x++) Set(chw, OxygenChannel, x, 9);
        for (int x = Math.Max(0, 9 - DiverCount); x < 9; x++) Set(chw, DiverGaugeChannel, x, 9);

        for (int i = 0; i < _friendlyBullets.Count; i++)
            Set(chw, FriendlyBulletChannel, _friendlyBullets[i].X, _friendlyBullets[i].Y);
        for (int i = 0; i < _enemyBullets.Count; i++)
            Set(chw, EnemyBulletChannel, _enemyBullets[i].X, _enemyBullets[i].Y);
        WriteWithTrails(chw, _fish, FishChannel);
        WriteWithTrails(chw, _enemySubs, EnemySubChannel);
        WriteWithTrails(chw, _divers, DiverChannel);
    }

    private static void WriteWithTrails(Span<byte> chw, SeaquestEntityList list, int channel)
    {
        for (int i = 0; i < list.Count; i++)
        {
            ref readonly SeaquestEntity entity = ref list[i];
            Set(chw, channel, entity.X, entity.Y);
            int backX = entity.X - entity.Step;
            if (backX is >= 0 and <= 9) Set(chw, TrailChannel, backX, entity.Y);
        }
    }

    private static void Set(Span<byte> chw, int channel, int x, int y) => chw[(channel * Size + y) * Size + x] = 1;

    // Scenario set-up for tests (internal): places things the random spawns would otherwise have to produce.

    internal void PlaceSubmarine(int x, int y, bool facingRight)
    {
        (_subX, _subY, _subFacingRight) = (x, y, facingRight);
        _atSurface = y == 0;
    }

    internal void SetSpawnTimers(int enemy, int diver) => (_enemySpawnTimer, _diverSpawnTimer) = (enemy, diver);

    internal void AddFish(int x, int y, bool movingRight, int moveTimer) =>
        _fish.Add(new SeaquestEntity(x, y, movingRight, moveTimer));

    internal void AddEnemySub(int x, int y, bool movingRight, int moveTimer, int shotTimer) =>
        _enemySubs.Add(new SeaquestEntity(x, y, movingRight, moveTimer, shotTimer));

    internal void AddDiver(int x, int y, bool movingRight, int moveTimer) =>
        _divers.Add(new SeaquestEntity(x, y, movingRight, moveTimer));
}
