namespace SobolevRL.Regression.Functions;

/// <summary>
/// McCormick: f = sin(x1 + x2) + (x1 − x2)² − 1.5x1 + 2.5x2 + 1; minimum ≈ −1.9133 at
/// (−0.54719, −1.54719). Domain x1 ∈ [−1.5, 4], x2 ∈ [−3, 4].
/// </summary>
public sealed class McCormick : TestFunction
{
    /// <inheritdoc />
    public override string Name => "mccormick";

    /// <inheritdoc />
    public override Domain Domain { get; } = new(-1.5, 4, -3, 4);

    /// <inheritdoc />
    public override (double X1, double X2, double Value) GlobalMinimum => (-0.54719, -1.54719, -1.9133);

    /// <inheritdoc />
    public override double Value(double x1, double x2) =>
        Math.Sin(x1 + x2) + (x1 - x2) * (x1 - x2) - 1.5 * x1 + 2.5 * x2 + 1;

    /// <inheritdoc />
    public override (double D1, double D2) Gradient(double x1, double x2)
    {
        var c = Math.Cos(x1 + x2);
        return (c + 2 * (x1 - x2) - 1.5, c - 2 * (x1 - x2) + 2.5);
    }
}
