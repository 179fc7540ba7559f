using SobolevRL.Envs.Random;

namespace SobolevRL.Envs.MinAtar.Games;

/// <summary>
/// MinAtar Breakout (v1.0.15 rules): a paddle on the bottom row bounces a diagonally moving ball into three rows of
/// bricks; +1 per brick, the rows refill when cleared, and the game ends when the ball reaches the bottom row beside
/// the paddle. Channels: paddle, ball, trail, brick. No difficulty ramping.
/// </summary>
public sealed class BreakoutGame : IMinAtarGame
{
    private const int Size = 10;
    private const int Cells = Size * Size;
    private const int PaddleChannel = 0;
    private const int BallChannel = 1;
    private const int TrailChannel = 2;
    private const int BrickChannel = 3;
    private const int FirstBrickRow = 1;
    private const int BrickRows = 3;
    private const int BottomRow = 9;

    // Ball directions: 0 up-left, 1 up-right, 2 down-right, 3 down-left.
    private static readonly int[] DirectionDx = [-1, 1, 1, -1];
    private static readonly int[] DirectionDy = [-1, -1, 1, 1];
    private static readonly int[] MirrorHorizontal = [1, 0, 3, 2];
    private static readonly int[] MirrorVertical = [3, 2, 1, 0];
    private static readonly int[] MirrorBoth = [2, 3, 0, 1];

    private static readonly string[] Channels = ["paddle", "ball", "trail", "brick"];
    private static readonly int[] Minimal = [0, 1, 3];

    private readonly NumpyRandomState _rng;
    private readonly byte[] _bricks = new byte[Cells];
    private int _brickCount;
    private int _ballX, _ballY, _ballDirection;
    private int _lastX, _lastY;
    private int _paddleX;
    private bool _strike;
    private bool _terminal;

    /// <summary>Creates the game drawing from <paramref name="rng"/>; Breakout has no ramping, so <paramref name="ramping"/> is ignored.</summary>
    public BreakoutGame(NumpyRandomState rng, bool ramping)
    {
        _rng = rng;
    }

    /// <inheritdoc />
    public string Name => "Breakout";

    /// <inheritdoc />
    public IReadOnlyList<string> ChannelNames => Channels;

    /// <inheritdoc />
    public IReadOnlyList<int> MinimalActionSet => Minimal;

    /// <summary>Number of bricks left on the board.</summary>
    public int BricksLeft => _brickCount;

    /// <inheritdoc />
    public void Reset()
    {
        _ballY = 3;
        bool startRight = _rng.RandInt(0, 2) == 1;
        _ballX = startRight ? 9 : 0;
        _ballDirection = startRight ? 3 : 2;
        _paddleX = 4;
        FillBricks();
        _strike = false;
        _lastX = _ballX;
        _lastY = _ballY;
        _terminal = false;
    }

    /// <inheritdoc />
    public (float Reward, bool Terminal) Act(int action)
    {
        if (_terminal) return (0f, true);
        int reward = 0;

        if (action == 1) _paddleX = Math.Max(0, _paddleX - 1);
        else if (action == 3) _paddleX = Math.Min(Size - 1, _paddleX + 1);

        _lastX = _ballX;
        _lastY = _ballY;
        int newX = _ballX + DirectionDx[_ballDirection];
        int newY = _ballY + DirectionDy[_ballDirection];

        bool struckThisFrame = false;
        if (newX < 0 || newX > Size - 1)
        {
            newX = Math.Clamp(newX, 0, Size - 1);
            _ballDirection = MirrorHorizontal[_ballDirection];
        }
        if (newY < 0)
        {
            newY = 0;
            _ballDirection = MirrorVertical[_ballDirection];
        }
        else if (_bricks[newY * Size + newX] == 1)
        {
            struckThisFrame = true;
            // A brick hit on the frame right after another one passes through without breaking it (reference rule).
            if (!_strike)
            {
                reward++;
                _strike = true;
                _bricks[newY * Size + newX] = 0;
                _brickCount--;
                newY = _lastY;
                _ballDirection = MirrorVertical[_ballDirection];
            }
        }
        else if (newY == BottomRow)
        {
            if (_brickCount == 0) FillBricks();
            if (_ballX == _paddleX)
            {
                _ballDirection = MirrorVertical[_ballDirection];
                newY = _lastY;
            }
            else if (newX == _paddleX)
            {
                _ballDirection = MirrorBoth[_ballDirection];
                newY = _lastY;
            }
            else
            {
                _terminal = true;
            }
        }

        if (!struckThisFrame) _strike = false;
        _ballX = newX;
        _ballY = newY;
        return (reward, _terminal);
    }

    /// <inheritdoc />
    public void WriteState(Span<byte> chw)
    {
        Span<byte> planes = chw[..(Channels.Length * Cells)];
        planes[..(BrickChannel * Cells)].Clear();
        planes[PaddleChannel * Cells + BottomRow * Size + _paddleX] = 1;
        planes[BallChannel * Cells + _ballY * Size + _ballX] = 1;
        planes[TrailChannel * Cells + _lastY * Size + _lastX] = 1;
        _bricks.CopyTo(planes.Slice(BrickChannel * Cells, Cells));
    }

    private void FillBricks()
    {
        Array.Clear(_bricks);
        _bricks.AsSpan(FirstBrickRow * Size, BrickRows * Size).Fill(1);
        _brickCount = BrickRows * Size;
    }
}
