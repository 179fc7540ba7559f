namespace SobolevRL.Regression.Functions;

/// <summary>Booth: f = (x1 + 2x2 − 7)² + (2x1 + x2 − 5)²; minimum 0 at (1, 3). Domain [−10, 10]².</summary>
public sealed class Booth : TestFunction
{
    /// <inheritdoc />
    public override string Name => "booth";

    /// <inheritdoc />
    public override Domain Domain { get; } = Domain.Square(-10, 10);

    /// <inheritdoc />
    public override (double X1, double X2, double Value) GlobalMinimum => (1, 3, 0);

    /// <inheritdoc />
    public override double Value(double x1, double x2)
    {
        double a = x1 + 2 * x2 - 7, b = 2 * x1 + x2 - 5;
        return a * a + b * b;
    }

    /// <inheritdoc />
    public override (double D1, double D2) Gradient(double x1, double x2)
    {
        double a = x1 + 2 * x2 - 7, b = 2 * x1 + x2 - 5;
        return (2 * a + 4 * b, 4 * a + 2 * b);
    }
}
