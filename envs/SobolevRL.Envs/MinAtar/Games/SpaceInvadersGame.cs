using SobolevRL.Envs.Random;

namespace SobolevRL.Envs.MinAtar.Games;

/// <summary>
/// MinAtar Space Invaders (v1.0.15 rules). A cannon on the bottom row shoots upward at a 4×6 block of aliens (+1 per
/// alien). The block steps sideways, and at a wall it turns and descends a row; it moves once every
/// min(aliens left, move interval) steps. Every 10 steps the lowest alien of the column nearest the cannon drops a bullet.
/// A cleared wave is replaced at once, and with ramping each new wave moves one step faster (interval 12 down to 6).
/// An alien or enemy bullet reaching the cannon's cell ends the game. The game draws no random numbers.
/// </summary>
/// <remarks>
/// Like the reference, the grid shifts wrap around: when the block descends with an alien already on the bottom row
/// (which ends the game), that row reappears at the top in the final observation.
/// </remarks>
public sealed class SpaceInvadersGame : IMinAtarGame
{
    private const int ChannelCount = 6;
    private const int ShotCooldown = 5;
    private const int InitialMoveInterval = 12;
    private const int MinMoveInterval = 6;
    private const int EnemyShotInterval = 10;
    private const int BottomRow = 9;

    private static readonly IReadOnlyList<string> Channels = Array.AsReadOnly<string>(
        ["cannon", "alien", "alien_left", "alien_right", "friendly_bullet", "enemy_bullet"]);

    private static readonly IReadOnlyList<int> MinimalActions = Array.AsReadOnly<int>([0, 1, 3, 5]);

    private static readonly UInt128 Wave = GridBits.Block(0, 4, 2, 8);
    private static readonly UInt128 LeftColumn = GridBits.Column(0);
    private static readonly UInt128 RightColumn = GridBits.Column(9);
    private static readonly UInt128 BottomRowMask = GridBits.Row(BottomRow);
    private static readonly UInt128[] ColumnMasks = BuildColumnMasks();

    private readonly bool _ramping;
    private UInt128 _aliens, _friendlyBullets, _enemyBullets;
    private int _alienDirection;
    private int _alienMoveTimer, _alienShotTimer, _shotTimer;
    private bool _terminal;

    /// <summary>
    /// Creates the game. Space Invaders draws no random numbers; <paramref name="rng"/> is taken for the common
    /// game constructor shape. <paramref name="ramping"/> turns difficulty ramping on.
    /// </summary>
    public SpaceInvadersGame(NumpyRandomState rng, bool ramping)
    {
        ArgumentNullException.ThrowIfNull(rng);
        _ramping = ramping;
        Reset();
    }

    /// <inheritdoc />
    public string Name => "SpaceInvaders";

    /// <inheritdoc />
    public IReadOnlyList<string> ChannelNames => Channels;

    /// <inheritdoc />
    public IReadOnlyList<int> MinimalActionSet => MinimalActions;

    /// <summary>Column of the cannon on the bottom row (0..9).</summary>
    public int CannonX { get; internal set; }

    /// <summary>Aliens currently on the grid.</summary>
    public int AlienCount => (int)UInt128.PopCount(_aliens);

    /// <summary>Upper bound on the steps between alien moves (12 at the start, lowered per cleared wave with ramping, down to 6).</summary>
    public int AlienMoveInterval { get; private set; }

    /// <summary>How many times the difficulty has ramped up in this episode (the reference's <c>difficulty_ramp()</c>).</summary>
    public int DifficultyRamp { get; private set; }

    /// <inheritdoc />
    public void Reset()
    {
        CannonX = 5;
        _friendlyBullets = UInt128.Zero;
        _enemyBullets = UInt128.Zero;
        _aliens = Wave;
        _alienDirection = -1;
        AlienMoveInterval = InitialMoveInterval;
        _alienMoveTimer = InitialMoveInterval;
        _alienShotTimer = EnemyShotInterval;
        DifficultyRamp = 0;
        _shotTimer = 0;
        _terminal = false;
    }

    /// <inheritdoc />
    public (float Reward, bool Terminal) Act(int action)
    {
        if ((uint)action > 5) throw new ArgumentOutOfRangeException(nameof(action), action, "MinAtar actions are 0..5");
        if (_terminal) return (0f, true);

        if (action == 5 && _shotTimer == 0)
        {
            _friendlyBullets |= GridBits.Cell(BottomRow, CannonX);
            _shotTimer = ShotCooldown;
        }
        else if (action == 1)
        {
            CannonX = Math.Max(0, CannonX - 1);
        }
        else if (action == 3)
        {
            CannonX = Math.Min(9, CannonX + 1);
        }

        // Friendly bullets rise a row (the top row leaves the grid); enemy bullets fall a row (the bottom row leaves).
        _friendlyBullets >>= GridBits.Size;
        _enemyBullets = (_enemyBullets << GridBits.Size) & GridBits.All;
        UInt128 cannon = GridBits.Cell(BottomRow, CannonX);
        if ((_enemyBullets & cannon) != UInt128.Zero) _terminal = true;

        if ((_aliens & cannon) != UInt128.Zero) _terminal = true;
        if (_alienMoveTimer == 0) MoveAliens(cannon);
        if (_alienShotTimer == 0)
        {
            _alienShotTimer = EnemyShotInterval;
            ShootFromNearestAlien();
        }

        UInt128 kills = _aliens & _friendlyBullets;
        int reward = (int)UInt128.PopCount(kills);
        _aliens &= ~kills;
        _friendlyBullets &= ~kills;

        if (_shotTimer > 0) _shotTimer--;
        _alienMoveTimer--;
        _alienShotTimer--;
        if (_aliens == UInt128.Zero)
        {
            if (AlienMoveInterval > MinMoveInterval && _ramping)
            {
                AlienMoveInterval--;
                DifficultyRamp++;
            }
            _aliens = Wave;
        }
        return (reward, _terminal);
    }

    private void MoveAliens(UInt128 cannon)
    {
        _alienMoveTimer = Math.Min(AlienCount, AlienMoveInterval);
        bool atWall = _alienDirection < 0 ? (_aliens & LeftColumn) != UInt128.Zero : (_aliens & RightColumn) != UInt128.Zero;
        if (atWall)
        {
            _alienDirection = -_alienDirection;
            if ((_aliens & BottomRowMask) != UInt128.Zero) _terminal = true;
            // Descend one row, the bottom row wrapping to the top as in the reference's roll.
            _aliens = ((_aliens << GridBits.Size) | (_aliens >> (GridBits.Cells - GridBits.Size))) & GridBits.All;
        }
        else
        {
            // The column the block moves toward is empty, so a one-bit shift never crosses a row.
            _aliens = _alienDirection < 0 ? _aliens >> 1 : _aliens << 1;
        }
        if ((_aliens & cannon) != UInt128.Zero) _terminal = true;
    }

    private void ShootFromNearestAlien()
    {
        // Columns by distance from the cannon, the left one first on ties (the reference's stable sort).
        for (int distance = 0; distance < GridBits.Size; distance++)
        {
            if (TryShootFromColumn(CannonX - distance)) return;
            if (distance > 0 && TryShootFromColumn(CannonX + distance)) return;
        }
        // Unreachable: a cleared wave is replaced within the same step, so some alien always exists here.
    }

    private bool TryShootFromColumn(int col)
    {
        if ((uint)col >= GridBits.Size) return false;
        UInt128 inColumn = _aliens & ColumnMasks[col];
        if (inColumn == UInt128.Zero) return false;
        int lowestCell = 127 - (int)UInt128.LeadingZeroCount(inColumn);
        _enemyBullets |= UInt128.One << lowestCell;
        return true;
    }

    /// <inheritdoc />
    public void WriteState(Span<byte> chw)
    {
        const int plane = GridBits.Cells;
        if (chw.Length < ChannelCount * plane)
            throw new ArgumentException($"needs {ChannelCount * plane} bytes, got {chw.Length}", nameof(chw));
        GridBits.Write(GridBits.Cell(BottomRow, CannonX), chw[..plane]);
        GridBits.Write(_aliens, chw.Slice(plane, plane));
        GridBits.Write(_alienDirection < 0 ? _aliens : UInt128.Zero, chw.Slice(2 * plane, plane));
        GridBits.Write(_alienDirection < 0 ? UInt128.Zero : _aliens, chw.Slice(3 * plane, plane));
        GridBits.Write(_friendlyBullets, chw.Slice(4 * plane, plane));
        GridBits.Write(_enemyBullets, chw.Slice(5 * plane, plane));
    }

    private static UInt128[] BuildColumnMasks()
    {
        var masks = new UInt128[GridBits.Size];
        for (int col = 0; col < GridBits.Size; col++) masks[col] = GridBits.Column(col);
        return masks;
    }

    // Scenario set-up for tests (internal).

    internal void PlaceAliens(params (int Row, int Col)[] cells)
    {
        _aliens = UInt128.Zero;
        foreach (var (row, col) in cells) _aliens |= GridBits.Cell(row, col);
    }

    internal void SetAlienTimers(int move, int shot) => (_alienMoveTimer, _alienShotTimer) = (move, shot);

    internal void SetAlienDirection(int direction) => _alienDirection = direction;
}
