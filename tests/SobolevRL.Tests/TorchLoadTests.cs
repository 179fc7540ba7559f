using static TorchSharp.torch;

namespace SobolevRL.Tests;

public class TorchLoadTests
{
    [Fact]
    public void DoubleBackwardWorks()
    {
        var x = torch.tensor(new float[] { 0.5f, -1.5f, 2f }, requires_grad: true);
        var y = (x.pow(3)).sum();
        var g = torch.autograd.grad(new[] { y }, new[] { x }, retain_graph: true, create_graph: true)[0];
        var h = torch.autograd.grad(new[] { g.sum() }, new[] { x })[0];
        var expected = new float[] { 3f, -9f, 12f };
        Assert.Equal(expected, h.data<float>().ToArray());
    }
}
