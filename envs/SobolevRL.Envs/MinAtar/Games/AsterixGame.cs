using SobolevRL.Envs.Random;

namespace SobolevRL.Envs.MinAtar.Games;

/// <summary>
/// MinAtar Asterix (v1.0.15 rules): the player moves in four directions over rows 1..8 while enemies and gold enter
/// from the sides, one entity per lane; +1 per gold picked up, touching an enemy ends the game. With ramping, spawns
/// and movement speed up over time. Channels: player, enemy, trail, gold.
/// </summary>
public sealed class AsterixGame : IMinAtarGame
{
    private const int Size = 10;
    private const int Cells = Size * Size;
    private const int Lanes = 8;
    private const int RampInterval = 100;
    private const int InitialSpawnInterval = 10;
    private const int InitialMoveInterval = 5;
    private const int PlayerChannel = 0;
    private const int EnemyChannel = 1;
    private const int TrailChannel = 2;
    private const int GoldChannel = 3;

    private static readonly string[] Channels = ["player", "enemy", "trail", "gold"];
    private static readonly int[] Minimal = [0, 1, 2, 3, 4];

    private readonly NumpyRandomState _rng;
    private readonly bool _ramping;
    // One entity slot per lane; slot i lives on row i + 1.
    private readonly bool[] _present = new bool[Lanes];
    private readonly int[] _entityX = new int[Lanes];
    private readonly bool[] _movesRight = new bool[Lanes];
    private readonly bool[] _isGold = new bool[Lanes];
    private readonly int[] _freeSlots = new int[Lanes];
    private int _playerX, _playerY;
    private int _spawnInterval, _spawnTimer;
    private int _moveInterval, _moveTimer;
    private int _rampTimer, _rampIndex;
    private bool _terminal;

    /// <summary>Creates the game drawing from <paramref name="rng"/>; <paramref name="ramping"/> turns difficulty ramping on.</summary>
    public AsterixGame(NumpyRandomState rng, bool ramping)
    {
        _rng = rng;
        _ramping = ramping;
    }

    /// <inheritdoc />
    public string Name => "Asterix";

    /// <inheritdoc />
    public IReadOnlyList<string> ChannelNames => Channels;

    /// <inheritdoc />
    public IReadOnlyList<int> MinimalActionSet => Minimal;

    /// <summary>How many times the difficulty has ramped up in this episode (the reference's <c>difficulty_ramp()</c>).</summary>
    public int DifficultyLevel => _rampIndex;

    /// <summary>Frames between spawns at the current difficulty.</summary>
    public int SpawnInterval => _spawnInterval;

    /// <summary>Frames between entity moves at the current difficulty.</summary>
    public int MoveInterval => _moveInterval;

    /// <inheritdoc />
    public void Reset()
    {
        _playerX = 5;
        _playerY = 5;
        Array.Clear(_present);
        _spawnInterval = InitialSpawnInterval;
        _spawnTimer = _spawnInterval;
        _moveInterval = InitialMoveInterval;
        _moveTimer = _moveInterval;
        _rampTimer = RampInterval;
        _rampIndex = 0;
        _terminal = false;
    }

    /// <inheritdoc />
    public (float Reward, bool Terminal) Act(int action)
    {
        if (_terminal) return (0f, true);
        int reward = 0;

        if (_spawnTimer == 0)
        {
            SpawnEntity();
            _spawnTimer = _spawnInterval;
        }

        switch (action)
        {
            case 1: _playerX = Math.Max(0, _playerX - 1); break;
            case 3: _playerX = Math.Min(Size - 1, _playerX + 1); break;
            case 2: _playerY = Math.Max(1, _playerY - 1); break;
            case 4: _playerY = Math.Min(Lanes, _playerY + 1); break;
        }

        // Only the entity of the player's own lane can touch it; contact is checked before and after entities move.
        int playerLane = _playerY - 1;
        reward += Touch(playerLane);
        if (_moveTimer == 0)
        {
            _moveTimer = _moveInterval;
            for (int i = 0; i < Lanes; i++)
            {
                if (!_present[i]) continue;
                int x = _entityX[i] + (_movesRight[i] ? 1 : -1);
                _entityX[i] = x;
                if (x < 0 || x > Size - 1) _present[i] = false;
            }
            reward += Touch(playerLane);
        }

        _spawnTimer--;
        _moveTimer--;

        if (_ramping && (_spawnInterval > 1 || _moveInterval > 1))
        {
            if (_rampTimer >= 0)
            {
                _rampTimer--;
            }
            else
            {
                if (_moveInterval > 1 && _rampIndex % 2 == 1) _moveInterval--;
                if (_spawnInterval > 1) _spawnInterval--;
                _rampIndex++;
                _rampTimer = RampInterval;
            }
        }
        return (reward, _terminal);
    }

    /// <inheritdoc />
    public void WriteState(Span<byte> chw)
    {
        Span<byte> planes = chw[..(Channels.Length * Cells)];
        planes.Clear();
        planes[PlayerChannel * Cells + _playerY * Size + _playerX] = 1;
        for (int i = 0; i < Lanes; i++)
        {
            if (!_present[i]) continue;
            int row = (i + 1) * Size;
            int x = _entityX[i];
            planes[(_isGold[i] ? GoldChannel : EnemyChannel) * Cells + row + x] = 1;
            int backX = _movesRight[i] ? x - 1 : x + 1;
            if (backX >= 0 && backX <= Size - 1) planes[TrailChannel * Cells + row + backX] = 1;
        }
    }

    /// <summary>Resolves contact between the player and the entity of lane <paramref name="i"/>, if any; returns the reward.</summary>
    private int Touch(int i)
    {
        if (!_present[i] || _entityX[i] != _playerX) return 0;
        if (_isGold[i])
        {
            _present[i] = false;
            return 1;
        }
        _terminal = true;
        return 0;
    }

    /// <summary>
    /// Spawns gold or an enemy in a random free lane. Direction and kind are drawn before the free lanes are counted,
    /// so a full board still consumes two draws (as in the reference).
    /// </summary>
    private void SpawnEntity()
    {
        bool movesRight = _rng.Rand() < 0.5;
        bool isGold = _rng.Rand() < 1.0 / 3.0;
        int free = 0;
        for (int i = 0; i < Lanes; i++)
            if (!_present[i]) _freeSlots[free++] = i;
        if (free == 0) return;
        int slot = _freeSlots[_rng.RandInt(0, free)];
        _present[slot] = true;
        _entityX[slot] = movesRight ? 0 : Size - 1;
        _movesRight[slot] = movesRight;
        _isGold[slot] = isGold;
    }
}
