using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Sobolev;

/// <summary>Random unit directions for stochastic (projected) derivative matching.</summary>
public static class RandomDirections
{
    /// <summary>
    /// Samples <paramref name="count"/> directions per example, uniform on the unit sphere of the
    /// space shaped <paramref name="space"/>: result <c>[batch, count, *space]</c>.
    /// </summary>
    /// <remarks>
    /// Sampling happens on the CPU generator and the result is moved to <paramref name="device"/>,
    /// so a seed gives the same directions on every device (and can be regenerated from a seed
    /// stored with a dataset instead of storing the directions).
    /// </remarks>
    public static Tensor UnitVectors(long batch, int count, long[] space, Generator generator, ScalarType dtype, Device device)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var shape = new long[] { batch, count }.Concat(space).ToArray();
        using var gaussian = randn(shape, dtype: ScalarType.Float64, device: CPU, generator: generator);
        using var flat = gaussian.flatten(2);
        using var norms = flat.norm(dim: 2, keepdim: true);
        using var unit = (flat / norms).reshape(shape);
        return unit.to(dtype, device);
    }
}
