namespace SobolevRL.Sobolev;

/// <summary>How the first-order (Jacobian) term of the Sobolev loss is estimated.</summary>
public enum Order1Estimator
{
    /// <summary>No first-order term.</summary>
    None,

    /// <summary>Exact full Jacobian matching: one backward pass per output (small outputs).</summary>
    FullJacobian,

    /// <summary>K vector-Jacobian products with random unit vectors in output space (stochastic Sobolev).</summary>
    OutputProjection,

    /// <summary>K Jacobian-vector products with random unit vectors in input space (exact, by double VJP).</summary>
    InputProjection,

    /// <summary>K central-difference directional derivatives of the student against the teacher's exact J·u.</summary>
    FiniteDifference,
}
