using SobolevRL.Sobolev;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Sobolev;

public class RandomDirectionsTests
{
    [Fact]
    public void UnitVectors_HaveUnitNorm_AndRepeatForTheSameSeedOnly()
    {
        using var scope = NewDisposeScope();
        var a = RandomDirections.UnitVectors(3, 4, [2, 5], new Generator(5), ScalarType.Float32, CPU);
        var b = RandomDirections.UnitVectors(3, 4, [2, 5], new Generator(5), ScalarType.Float32, CPU);
        var c = RandomDirections.UnitVectors(3, 4, [2, 5], new Generator(6), ScalarType.Float32, CPU);

        Assert.Equal(new long[] { 3, 4, 2, 5 }, a.shape);
        Assert.Equal(ScalarType.Float32, a.dtype);
        Assert.True((a.flatten(2).norm(dim: 2) - 1).abs().max().item<float>() < 1e-6f);
        Assert.True(a.equal(b).all().item<bool>());
        Assert.False(a.equal(c).all().item<bool>());
    }
}
