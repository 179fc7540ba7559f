using SobolevRL.Envs.Random;

namespace SobolevRL.Envs.MinAtar.Games;

/// <summary>
/// MinAtar Freeway (v1.0.15 rules): a chicken in column 4 crosses eight lanes of wrapping cars from row 9 to row 0;
/// +1 per crossing (then back to row 9 with new car speeds), a car hit sends it back to row 9 without penalty, and the
/// game ends after 2500 frames. The chicken may move only every 3 frames. Channels: chicken, car, and one trail
/// channel per car speed (a car of speed s moves once every s+1 frames). No difficulty ramping.
/// </summary>
public sealed class FreewayGame : IMinAtarGame
{
    private const int Size = 10;
    private const int Cells = Size * Size;
    private const int Lanes = 8;
    private const int ChickenColumn = 4;
    private const int StartRow = 9;
    private const int PlayerMoveInterval = 3;
    private const int TimeLimit = 2500;
    private const int ChickenChannel = 0;
    private const int CarChannel = 1;
    private const int FirstTrailChannel = 2;

    private static readonly string[] Channels = ["chicken", "car", "speed1", "speed2", "speed3", "speed4", "speed5"];
    private static readonly int[] Minimal = [0, 2, 4];

    private readonly NumpyRandomState _rng;
    private readonly int[] _carX = new int[Lanes];
    private readonly int[] _carTimer = new int[Lanes];
    // Signed: the magnitude is the number of frames a car waits between moves, the sign its direction.
    private readonly int[] _carVelocity = new int[Lanes];
    private int _chickenRow;
    private int _moveTimer;
    private int _terminateTimer;
    private bool _terminal;

    /// <summary>Creates the game drawing from <paramref name="rng"/>; Freeway has no ramping, so <paramref name="ramping"/> is ignored.</summary>
    public FreewayGame(NumpyRandomState rng, bool ramping)
    {
        _rng = rng;
    }

    /// <inheritdoc />
    public string Name => "Freeway";

    /// <inheritdoc />
    public IReadOnlyList<string> ChannelNames => Channels;

    /// <inheritdoc />
    public IReadOnlyList<int> MinimalActionSet => Minimal;

    /// <summary>Frames left before the time limit ends the game (the game ends when this drops below 0).</summary>
    public int FramesLeft => _terminateTimer;

    /// <inheritdoc />
    public void Reset()
    {
        RandomizeCars();
        Array.Clear(_carX);
        _chickenRow = StartRow;
        _moveTimer = PlayerMoveInterval;
        _terminateTimer = TimeLimit;
        _terminal = false;
    }

    /// <inheritdoc />
    public (float Reward, bool Terminal) Act(int action)
    {
        if (_terminal) return (0f, true);
        int reward = 0;

        if (action == 2 && _moveTimer == 0)
        {
            _moveTimer = PlayerMoveInterval;
            _chickenRow = Math.Max(0, _chickenRow - 1);
        }
        else if (action == 4 && _moveTimer == 0)
        {
            _moveTimer = PlayerMoveInterval;
            _chickenRow = Math.Min(Size - 1, _chickenRow + 1);
        }

        if (_chickenRow == 0)
        {
            reward++;
            RandomizeCars();
            _chickenRow = StartRow;
        }

        for (int lane = 0; lane < Lanes; lane++)
        {
            int row = lane + 1;
            if (_carX[lane] == ChickenColumn && row == _chickenRow) _chickenRow = StartRow;
            if (_carTimer[lane] == 0)
            {
                int velocity = _carVelocity[lane];
                _carTimer[lane] = Math.Abs(velocity);
                int x = _carX[lane] + (velocity > 0 ? 1 : -1);
                if (x < 0) x = Size - 1;
                else if (x > Size - 1) x = 0;
                _carX[lane] = x;
                if (x == ChickenColumn && row == _chickenRow) _chickenRow = StartRow;
            }
            else
            {
                _carTimer[lane]--;
            }
        }

        if (_moveTimer > 0) _moveTimer--;
        _terminateTimer--;
        if (_terminateTimer < 0) _terminal = true;
        return (reward, _terminal);
    }

    /// <inheritdoc />
    public void WriteState(Span<byte> chw)
    {
        Span<byte> planes = chw[..(Channels.Length * Cells)];
        planes.Clear();
        planes[ChickenChannel * Cells + _chickenRow * Size + ChickenColumn] = 1;
        int trailChannel = -1;
        for (int lane = 0; lane < Lanes; lane++)
        {
            int row = lane + 1;
            int x = _carX[lane];
            int velocity = _carVelocity[lane];
            planes[CarChannel * Cells + row * Size + x] = 1;
            int backX = velocity > 0 ? x - 1 : x + 1;
            if (backX < 0) backX = Size - 1;
            else if (backX > Size - 1) backX = 0;
            // Speed 0 (a direction draw of exactly 0.5, probability 2^-53 per car) has no trail channel of its own;
            // like the reference, it reuses the previous car's channel.
            if (velocity != 0) trailChannel = FirstTrailChannel + Math.Abs(velocity) - 1;
            if (trailChannel >= 0) planes[trailChannel * Cells + row * Size + backX] = 1;
        }
    }

    /// <summary>Draws new speeds (all eight first) and then new directions (all eight), as the reference does.</summary>
    private void RandomizeCars()
    {
        for (int lane = 0; lane < Lanes; lane++) _carVelocity[lane] = _rng.RandInt(1, 6);
        for (int lane = 0; lane < Lanes; lane++)
        {
            double u = _rng.Rand();
            int direction = u > 0.5 ? 1 : u < 0.5 ? -1 : 0;
            _carVelocity[lane] *= direction;
            _carTimer[lane] = Math.Abs(_carVelocity[lane]);
        }
    }
}
