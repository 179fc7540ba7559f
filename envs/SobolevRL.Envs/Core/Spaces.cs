namespace SobolevRL.Envs.Core;

/// <summary>Observation space: a CHW array of <c>uint8</c> values in [<see cref="Low"/>, <see cref="High"/>].</summary>
/// <param name="Shape">Channels, height, width (CHW).</param>
/// <param name="Low">Smallest value any element takes.</param>
/// <param name="High">Largest value any element takes (1 for the boolean grid games, 255 for Atari frames).</param>
public sealed record BoxSpace(int[] Shape, byte Low, byte High)
{
    /// <summary>Element type of observations; always <c>uint8</c>.</summary>
    public string Dtype => "uint8";

    /// <summary>Number of elements of one observation.</summary>
    public int Size => Shape.Aggregate(1, (a, b) => a * b);

    /// <inheritdoc />
    public override string ToString() => $"Box({Low}, {High}, ({string.Join(", ", Shape)}), {Dtype})";

    /// <inheritdoc />
    public bool Equals(BoxSpace? other) =>
        other is not null && Shape.SequenceEqual(other.Shape) && Low == other.Low && High == other.High;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Shape.Length > 0 ? Shape[0] : 0, Size, Low, High);
}

/// <summary>Discrete action space {0, …, N−1}.</summary>
/// <param name="N">Number of actions.</param>
public sealed record DiscreteSpace(int N)
{
    /// <summary>True when <paramref name="action"/> is a valid index.</summary>
    public bool Contains(int action) => action >= 0 && action < N;

    /// <inheritdoc />
    public override string ToString() => $"Discrete({N})";
}
