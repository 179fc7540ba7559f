namespace SobolevRL.Envs.MinAtar.Games;

/// <summary>
/// One moving thing in Seaquest: a bullet, fish, enemy sub or diver. Fields a kind does not use stay zero, so value
/// equality over all fields equals the reference's equality of its per-kind lists.
/// </summary>
internal struct SeaquestEntity(int x, int y, bool movingRight, int moveTimer = 0, int shotTimer = 0) : IEquatable<SeaquestEntity>
{
    public int X = x;
    public int Y = y;
    public bool MovingRight = movingRight;
    public int MoveTimer = moveTimer;
    public int ShotTimer = shotTimer;

    public readonly int Step => MovingRight ? 1 : -1;

    public readonly bool IsOffGrid => X < 0 || X > 9;

    public readonly bool IsAt(int x, int y) => X == x && Y == y;

    public readonly bool Equals(SeaquestEntity other) =>
        X == other.X && Y == other.Y && MovingRight == other.MovingRight
        && MoveTimer == other.MoveTimer && ShotTimer == other.ShotTimer;

    public override readonly bool Equals(object? obj) => obj is SeaquestEntity other && Equals(other);

    public override readonly int GetHashCode() => HashCode.Combine(X, Y, MovingRight, MoveTimer, ShotTimer);
}
