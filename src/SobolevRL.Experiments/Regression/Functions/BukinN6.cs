namespace SobolevRL.Regression.Functions;

/// <summary>
/// Bukin N.6: f = 100·√|x2 − 0.01x1²| + 0.01·|x1 + 10|; minimum 0 at (−10, 1). Domain
/// x1 ∈ [−15, −5], x2 ∈ [−3, 3]. Not differentiable on the ridge x2 = 0.01x1² (the gradient
/// grows without bound near it; reported as 0 exactly on it) nor at x1 = −10.
/// </summary>
public sealed class BukinN6 : TestFunction
{
    /// <inheritdoc />
    public override string Name => "bukin6";

    /// <inheritdoc />
    public override Domain Domain { get; } = new(-15, -5, -3, 3);

    /// <inheritdoc />
    public override (double X1, double X2, double Value) GlobalMinimum => (-10, 1, 0);

    /// <inheritdoc />
    public override double Value(double x1, double x2) =>
        100 * Math.Sqrt(Math.Abs(x2 - 0.01 * x1 * x1)) + 0.01 * Math.Abs(x1 + 10);

    /// <inheritdoc />
    public override (double D1, double D2) Gradient(double x1, double x2)
    {
        var ridge = x2 - 0.01 * x1 * x1;
        var slope = ridge == 0 ? 0 : 50 * Math.Sign(ridge) / Math.Sqrt(Math.Abs(ridge));
        return (slope * -0.02 * x1 + 0.01 * Math.Sign(x1 + 10), slope);
    }
}
