namespace SobolevRL.Sobolev;

/// <summary>Which derivative terms a <see cref="SobolevLoss"/> adds to the value loss, and their weights λ_j.</summary>
public sealed record SobolevOptions
{
    /// <summary>Estimator of the first-order term.</summary>
    public Order1Estimator Order1 { get; init; } = Order1Estimator.FullJacobian;

    /// <summary>λ_1, the weight of the first-order term.</summary>
    public double Order1Weight { get; init; } = 1.0;

    /// <summary>Random directions per example (K) for the projected and finite-difference estimators.</summary>
    public int Projections { get; init; } = 1;

    /// <summary>λ_2, the weight of the second-order (Hessian-vector) term; 0 switches it off.</summary>
    public double Order2Weight { get; init; }

    /// <summary>Random input directions per example for the Hessian-vector term.</summary>
    public int HessianProjections { get; init; } = 1;

    /// <summary>Distance used for every derivative term.</summary>
    public DerivativeLossKind DerivativeLoss { get; init; } = DerivativeLossKind.SquaredL2;

    /// <summary>Step ε of the finite-difference estimator, in input units.</summary>
    public double FiniteDifferenceStep { get; init; } = FiniteDifferenceDirectional.DefaultStep;

    /// <summary>Whether any term needs random directions.</summary>
    public bool IsStochastic =>
        Order1 is Order1Estimator.OutputProjection or Order1Estimator.InputProjection or Order1Estimator.FiniteDifference
        || Order2Weight != 0.0;
}
