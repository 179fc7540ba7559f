using System.Globalization;

namespace SobolevRL.Teachers;

/// <summary>Which gradient labels of the teacher's log-policy ℓ(x) = log softmax(z(x)/τ) are computed.</summary>
public enum LabelKind
{
    /// <summary>No gradient labels: values only.</summary>
    None,
    /// <summary>The whole Jacobian ∂ℓ/∂x (A × |x|); affordable for small inputs such as the 10×10 grids.</summary>
    Full,
    /// <summary>K projections g_k = ∂⟨v_k, ℓ(x)⟩/∂x with v_k random unit vectors in action space.</summary>
    Vjp,
}

/// <summary>A label mode as written on the command line and in manifests: <c>none</c>, <c>full</c> or <c>vjp:K</c>.</summary>
/// <param name="Kind">The kind of gradient labels.</param>
/// <param name="Projections">K for <see cref="LabelKind.Vjp"/>; 0 otherwise.</param>
public readonly record struct LabelMode(LabelKind Kind, int Projections)
{
    /// <summary>Values only.</summary>
    public static LabelMode None => new(LabelKind.None, 0);

    /// <summary>The full Jacobian.</summary>
    public static LabelMode Full => new(LabelKind.Full, 0);

    /// <summary>K vector-Jacobian products.</summary>
    public static LabelMode Vjp(int k) => new(LabelKind.Vjp, k);

    /// <summary>Gradient-label rows per state: A (the actions) for full labels, K for vjp:K, 0 for none. The one place this is computed.</summary>
    public int GradRows(int actions) => Kind switch { LabelKind.Full => actions, LabelKind.Vjp => Projections, _ => 0 };

    /// <summary>Stored projection vectors per state: K for vjp:K, else 0.</summary>
    public int StoredProjections => Kind == LabelKind.Vjp ? Projections : 0;

    /// <summary>Parses <c>none</c>, <c>full</c> or <c>vjp:K</c> (K ≥ 1); throws <see cref="UserErrorException"/> otherwise.</summary>
    public static LabelMode Parse(string text)
    {
        string t = text.Trim().ToLowerInvariant();
        if (t is "none" or "off") return None;
        if (t == "full") return Full;
        if (t.StartsWith("vjp:", StringComparison.Ordinal)
            && int.TryParse(t.AsSpan(4), NumberStyles.Integer, CultureInfo.InvariantCulture, out int k) && k >= 1)
            return Vjp(k);
        throw new UserErrorException($"label mode '{text}' is not one of none, full, vjp:K (K >= 1), e.g. vjp:1");
    }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        LabelKind.None => "none",
        LabelKind.Full => "full",
        _ => string.Create(CultureInfo.InvariantCulture, $"vjp:{Projections}"),
    };
}
