namespace SobolevRL.Regression.Functions;

/// <summary>
/// Beale: f = (1.5 − x1 + x1x2)² + (2.25 − x1 + x1x2²)² + (2.625 − x1 + x1x2³)²; minimum 0 at
/// (3, 0.5). Domain [−4.5, 4.5]².
/// </summary>
public sealed class Beale : TestFunction
{
    /// <inheritdoc />
    public override string Name => "beale";

    /// <inheritdoc />
    public override Domain Domain { get; } = Domain.Square(-4.5, 4.5);

    /// <inheritdoc />
    public override (double X1, double X2, double Value) GlobalMinimum => (3, 0.5, 0);

    /// <inheritdoc />
    public override double Value(double x1, double x2)
    {
        var (a, b, c) = Terms(x1, x2);
        return a * a + b * b + c * c;
    }

    /// <inheritdoc />
    public override (double D1, double D2) Gradient(double x1, double x2)
    {
        var (a, b, c) = Terms(x1, x2);
        var y2 = x2 * x2;
        var y3 = y2 * x2;
        var d1 = 2 * (a * (x2 - 1) + b * (y2 - 1) + c * (y3 - 1));
        var d2 = 2 * x1 * (a + 2 * b * x2 + 3 * c * y2);
        return (d1, d2);
    }

    private static (double A, double B, double C) Terms(double x1, double x2) =>
        (1.5 - x1 + x1 * x2, 2.25 - x1 + x1 * x2 * x2, 2.625 - x1 + x1 * x2 * x2 * x2);
}
