namespace SobolevRL.Regression;

/// <summary>
/// A 2-D optimisation test function with its analytic gradient and a default domain, as target of
/// the regression experiment (paper experiment 1). Formulas and domains follow the Virtual Library
/// of Simulation Experiments (Surjanovic &amp; Bingham, SFU).
/// </summary>
public abstract class TestFunction
{
    /// <summary>Short lower-case name used in configs, file names and tables.</summary>
    public abstract string Name { get; }

    /// <summary>The input box samples are drawn from.</summary>
    public abstract Domain Domain { get; }

    /// <summary>A global minimiser and the minimum value, for reference and tests.</summary>
    public abstract (double X1, double X2, double Value) GlobalMinimum { get; }

    /// <summary>f(x1, x2).</summary>
    public abstract double Value(double x1, double x2);

    /// <summary>(∂f/∂x1, ∂f/∂x2); at a kink (|·| or √|·| at zero) one one-sided value, or 0.</summary>
    public abstract (double D1, double D2) Gradient(double x1, double x2);

    /// <summary>The name.</summary>
    public override string ToString() => Name;
}
