using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Hardware;

/// <summary>
/// Tensor-by-number operations whose <see cref="Scalar"/> stays alive until libtorch has returned. TorchSharp's
/// <c>tensor * 0.5</c> and kin make a temporary scalar that a garbage collection on another thread can free mid-call
/// (see <c>src/SobolevRL.Runtime/Optimizers/README.md</c>); <c>BannedSymbols.txt</c> makes the compiler reject those, and
/// each method here makes exactly the native call the banned TorchSharp overload makes, so results are bit-identical.
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

    /// <summary><paramref name="tensor"/> + <paramref name="addend"/> (TorchSharp's <c>tensor + tensor</c> passes a temporary alpha of 1).</summary>
    public static Tensor Plus(this Tensor tensor, Tensor addend)
    {
        using var one = 1.ToScalar();
        return tensor.add(addend, one);
    }

    /// <summary>Adds <paramref name="scale"/> · <paramref name="addend"/> to <paramref name="tensor"/> in place and returns it.</summary>
    public static Tensor AddInPlace(this Tensor tensor, Tensor addend, double scale = 1.0)
    {
        using var alpha = scale.ToScalar();
        return tensor.add_(addend, alpha);
    }

    /// <summary><paramref name="tensor"/> + <paramref name="addend"/>.</summary>
    public static Tensor Plus(this Tensor tensor, double addend)
    {
        using var scalar = addend.ToScalar();
        using var one = 1.ToScalar();
        return tensor.add(scalar, one);
    }

    /// <summary><paramref name="tensor"/> + <paramref name="addend"/> for integer tensors (a double would promote them to floating point).</summary>
    public static Tensor Plus(this Tensor tensor, long addend)
    {
        using var scalar = addend.ToScalar();
        using var one = 1.ToScalar();
        return tensor.add(scalar, one);
    }

    /// <summary><paramref name="tensor"/> − <paramref name="subtrahend"/>.</summary>
    public static Tensor Minus(this Tensor tensor, double subtrahend)
    {
        using var scalar = subtrahend.ToScalar();
        return tensor.sub(scalar);
    }

    /// <summary><paramref name="tensor"/>² (TorchSharp's <c>square()</c> is <c>pow</c> with a temporary 2).</summary>
    public static Tensor Square(this Tensor tensor)
    {
        using var two = 2.ToScalar();
        return tensor.pow(two);
    }

    /// <summary><paramref name="tensor"/> clamped below at <paramref name="minimum"/>.</summary>
    public static Tensor AtLeast(this Tensor tensor, double minimum)
    {
        using var scalar = minimum.ToScalar();
        return tensor.clamp_min(scalar);
    }

    /// <summary><paramref name="tensor"/> clamped above at <paramref name="maximum"/>.</summary>
    public static Tensor AtMost(this Tensor tensor, double maximum)
    {
        using var scalar = maximum.ToScalar();
        return tensor.clamp_max(scalar);
    }

    /// <summary><paramref name="tensor"/> clamped to [<paramref name="minimum"/>, <paramref name="maximum"/>].</summary>
    public static Tensor Clamp(this Tensor tensor, double minimum, double maximum)
    {
        using var low = minimum.ToScalar();
        using var high = maximum.ToScalar();
        return tensor.clamp(low, high);
    }

    /// <summary>Boolean mask of <paramref name="tensor"/> &gt; <paramref name="threshold"/>.</summary>
    public static Tensor GreaterThan(this Tensor tensor, double threshold)
    {
        using var scalar = threshold.ToScalar();
        return tensor.gt(scalar);
    }

    /// <summary>Boolean mask of <paramref name="tensor"/> &lt; <paramref name="threshold"/>.</summary>
    public static Tensor LessThan(this Tensor tensor, double threshold)
    {
        using var scalar = threshold.ToScalar();
        return tensor.lt(scalar);
    }

    /// <summary>Boolean mask of <paramref name="tensor"/> ≠ <paramref name="value"/>.</summary>
    public static Tensor NotEqualTo(this Tensor tensor, double value)
    {
        using var scalar = value.ToScalar();
        return tensor.ne(scalar);
    }

    /// <summary>Leaky ReLU with slope <paramref name="negativeSlope"/> below zero, as <c>functional.leaky_relu</c>.</summary>
    public static Tensor LeakyRelu(this Tensor tensor, double negativeSlope)
    {
        using var slope = negativeSlope.ToScalar();
        return tensor.leaky_relu(slope);
    }

    /// <summary>ELU with the given <paramref name="alpha"/> (scale and input scale 1), as <c>functional.elu</c>.</summary>
    public static Tensor Elu(this Tensor tensor, double alpha)
    {
        using var a = alpha.ToScalar();
        using var one = 1.0.ToScalar();
        return tensor.elu(a, one, one);
    }
}
