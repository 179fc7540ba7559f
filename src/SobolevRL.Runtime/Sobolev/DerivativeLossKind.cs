namespace SobolevRL.Sobolev;

/// <summary>How a student derivative is compared with the teacher's.</summary>
public enum DerivativeLossKind
{
    /// <summary>Squared L2 distance ‖g_s − g_t‖².</summary>
    SquaredL2,

    /// <summary>
    /// Squared L2 distance of the normalised vectors ‖g_s/‖g_s‖ − g_t/‖g_t‖‖², as in Jacobian
    /// matching (Srinivas &amp; Fleuret, ICML 2018): only the direction is matched.
    /// </summary>
    NormalisedL2,
}
