namespace SobolevRL.Regression.Functions;

/// <summary>
/// Rosenbrock: f = 100(x2 − x1²)² + (1 − x1)²; minimum 0 at (1, 1). Domain [−2.048, 2.048]² (the
/// SFU library's alternative to [−5, 10]², which keeps the curved valley visible on a plot).
/// </summary>
public sealed class Rosenbrock : TestFunction
{
    /// <inheritdoc />
    public override string Name => "rosenbrock";

    /// <inheritdoc />
    public override Domain Domain { get; } = Domain.Square(-2.048, 2.048);

    /// <inheritdoc />
    public override (double X1, double X2, double Value) GlobalMinimum => (1, 1, 0);

    /// <inheritdoc />
    public override double Value(double x1, double x2)
    {
        double valley = x2 - x1 * x1, offset = 1 - x1;
        return 100 * valley * valley + offset * offset;
    }

    /// <inheritdoc />
    public override (double D1, double D2) Gradient(double x1, double x2)
    {
        var valley = x2 - x1 * x1;
        return (-400 * x1 * valley - 2 * (1 - x1), 200 * valley);
    }
}
