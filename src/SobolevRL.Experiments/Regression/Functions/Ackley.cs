namespace SobolevRL.Regression.Functions;

/// <summary>
/// Ackley, a = 20, b = 0.2, c = 2π:
/// f = −a·exp(−b·√(½(x1² + x2²))) − exp(½(cos c·x1 + cos c·x2)) + a + e; minimum 0 at the origin
/// (a cone tip: the gradient is undefined there and reported as 0). Domain [−32.768, 32.768]² (SFU's), or a narrower
/// square given to the constructor (<c>ackley-5</c>: [−5, 5]², where 20–100 samples resolve the cosine ripples).
/// </summary>
public sealed class Ackley : TestFunction
{
    private const double A = 20, B = 0.2, C = 2 * Math.PI;

    /// <summary>Ackley on SFU's domain [−32.768, 32.768]², named <c>ackley</c>.</summary>
    public Ackley()
        : this("ackley", 32.768)
    {
    }

    /// <summary>Ackley on [−<paramref name="halfWidth"/>, <paramref name="halfWidth"/>]², named <paramref name="name"/>.</summary>
    public Ackley(string name, double halfWidth)
    {
        Name = name;
        Domain = Domain.Square(-halfWidth, halfWidth);
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <inheritdoc />
    public override Domain Domain { get; }

    /// <inheritdoc />
    public override (double X1, double X2, double Value) GlobalMinimum => (0, 0, 0);

    /// <inheritdoc />
    public override double Value(double x1, double x2)
    {
        var r = Math.Sqrt(0.5 * (x1 * x1 + x2 * x2));
        return -A * Math.Exp(-B * r) - Math.Exp(0.5 * (Math.Cos(C * x1) + Math.Cos(C * x2))) + A + Math.E;
    }

    /// <inheritdoc />
    public override (double D1, double D2) Gradient(double x1, double x2)
    {
        var r = Math.Sqrt(0.5 * (x1 * x1 + x2 * x2));
        var radial = r == 0 ? 0 : A * B * Math.Exp(-B * r) / (2 * r);
        var wave = 0.5 * C * Math.Exp(0.5 * (Math.Cos(C * x1) + Math.Cos(C * x2)));
        return (radial * x1 + wave * Math.Sin(C * x1), radial * x2 + wave * Math.Sin(C * x2));
    }
}
