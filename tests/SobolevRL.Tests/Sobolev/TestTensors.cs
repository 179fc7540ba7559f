using static TorchSharp.torch;

namespace SobolevRL.Tests.Sobolev;

internal static class TestTensors
{
    public static Tensor Randn(long seed, params long[] shape) =>
        randn(shape, dtype: ScalarType.Float64, generator: new Generator((ulong)seed));

    public static void AssertClose(Tensor expected, Tensor actual, double tolerance)
    {
        Assert.Equal(expected.shape, actual.shape);
        var scale = Math.Max(1.0, expected.abs().max().item<double>());
        var error = (expected - actual.to(expected.dtype)).abs().max().item<double>();
        Assert.True(error <= tolerance * scale, $"max |error| {error:E3} exceeds {tolerance:E1} × {scale:G4}");
    }
}
