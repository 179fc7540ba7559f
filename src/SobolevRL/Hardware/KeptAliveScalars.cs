using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Hardware;

/// <summary>
/// Tensor-by-number operations whose <see cref="Scalar"/> stays alive until libtorch has returned. TorchSharp's
/// <c>tensor * 0.5</c> and kin make a temporary scalar that a garbage collection on another thread can free mid-call
/// (see <c>src/SobolevRL/Optimizers/README.md</c>); hot training paths use these instead.
/// </summary>
public static class KeptAliveScalars
{
    /// <summary><paramref name="tensor"/> · <paramref name="factor"/>.</summary>
    public static Tensor Times(this Tensor tensor, double factor)
    {
        using var scalar = factor.ToScalar();
        return tensor.mul(scalar);
    }

    /// <summary><paramref name="tensor"/> / <paramref name="divisor"/>.</summary>
    public static Tensor DividedBy(this Tensor tensor, double divisor)
    {
        using var scalar = divisor.ToScalar();
        return tensor.div(scalar);
    }

    /// <summary><paramref name="tensor"/> clamped below at <paramref name="minimum"/>.</summary>
    public static Tensor AtLeast(this Tensor tensor, double minimum)
    {
        using var scalar = minimum.ToScalar();
        return tensor.clamp_min(scalar);
    }
}
