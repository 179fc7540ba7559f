namespace SobolevRL.Regression.Functions;

/// <summary>
/// Styblinski-Tang: f = ½ Σ (x_i⁴ − 16x_i² + 5x_i); minimum ≈ −78.33198 at x_i = −2.903534.
/// Domain [−5, 5]².
/// </summary>
public sealed class StyblinskiTang : TestFunction
{
    /// <inheritdoc />
    public override string Name => "styblinski-tang";

    /// <inheritdoc />
    public override Domain Domain { get; } = Domain.Square(-5, 5);

    /// <inheritdoc />
    public override (double X1, double X2, double Value) GlobalMinimum => (-2.903534, -2.903534, -78.33198);

    /// <inheritdoc />
    public override double Value(double x1, double x2) => Term(x1) + Term(x2);

    /// <inheritdoc />
    public override (double D1, double D2) Gradient(double x1, double x2) => (Slope(x1), Slope(x2));

    private static double Term(double x) => 0.5 * (x * x * x * x - 16 * x * x + 5 * x);

    private static double Slope(double x) => 0.5 * (4 * x * x * x - 32 * x + 5);
}
