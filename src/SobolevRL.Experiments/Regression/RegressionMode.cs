namespace SobolevRL.Regression;

/// <summary>How a regression model is trained.</summary>
public enum RegressionMode
{
    /// <summary>Values only (L2).</summary>
    Regular,

    /// <summary>Values and the full input gradient (L2 + λ·L2, order-1 Sobolev).</summary>
    Sobolev,

    /// <summary>
    /// The control: values only, on 3n points (as many labelled numbers as Sobolev's n values and 2n partial derivatives);
    /// its sample extends the n-point sample of the same seed.
    /// </summary>
    RegularOnThreeN,
}
