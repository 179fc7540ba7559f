using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SobolevRL.Tests.Teachers;

public class LabelerTests
{
    private static ModulePolicy SmoothPolicy(double temperature)
    {
        torch.manual_seed(3);
        var net = nn.Sequential(nn.Flatten(), nn.Linear(2 * 3 * 3, 16), nn.Tanh(), nn.Linear(16, 4));
        net.to(float64);
        return new ModulePolicy(net, [2, 3, 3], 4, inputScale: 0.5, temperature: temperature);
    }

    private static Tensor LogPolicy(ModulePolicy p, Tensor x) => F.log_softmax(p.Logits(x) / p.Temperature, -1);

    [Fact]
    public void FullJacobianEqualsCentralFiniteDifferences()
    {
        using var policy = SmoothPolicy(temperature: 2.0);
        var x = torch.rand(new long[] { 3, 2, 3, 3 }, float64);
        using var labels = Labeler.Label(policy, x, LabelMode.Full);
        Assert.Equal(new long[] { 3, 4, 2, 3, 3 }, labels.GradLabels!.shape);
        double eps = 1e-6;
        var flat = x.reshape(3, -1);
        for (int i = 0; i < 18; i++)
        {
            var e = zeros_like(flat); e[TensorIndex.Colon, i] = eps;
            var fd = (LogPolicy(policy, (flat + e).reshape(x.shape)) - LogPolicy(policy, (flat - e).reshape(x.shape))) / (2 * eps);
            var analytic = labels.GradLabels.reshape(3, 4, 18)[TensorIndex.Colon, TensorIndex.Colon, i];
            Assert.True(allclose(fd, analytic, rtol: 1e-6, atol: 1e-8), $"input {i}: max diff {(fd - analytic).abs().max().item<double>()}");
        }
        Assert.True(allclose(labels.LogPolicy, LogPolicy(policy, x)));
    }

    [Fact]
    public void VjpLabelsAreProjectionsOfTheJacobianOnUnitVectors()
    {
        using var policy = SmoothPolicy(temperature: 1.0);
        var x = torch.rand(new long[] { 5, 2, 3, 3 }, float64);
        using var full = Labeler.Label(policy, x, LabelMode.Full);
        using var vjp = Labeler.Label(policy, x.to(float32).to(float64), LabelMode.Vjp(3), new Generator(7));
        Assert.Equal(new long[] { 5, 3, 4 }, vjp.Projections!.shape);
        Assert.True(allclose(vjp.Projections.to(float64).norm(dim: -1), ones(5, 3, dtype: float64), rtol: 1e-5));
        var expected = einsum("bka,bax->bkx", vjp.Projections.to(float64), full.GradLabels!.reshape(5, 4, -1)).reshape(5, 3, 2, 3, 3);
        Assert.True(allclose(vjp.GradLabels!, expected, rtol: 1e-5, atol: 1e-7));
        using var again = Labeler.Label(policy, x, LabelMode.Vjp(3), new Generator(7));
        Assert.True((again.Projections! == vjp.Projections).all().item<bool>());
    }

    [Theory]
    [InlineData("full", "full")]
    [InlineData("vjp:4", "vjp:4")]
    [InlineData("NONE", "none")]
    public void LabelModeParsesAndPrints(string text, string printed) => Assert.Equal(printed, LabelMode.Parse(text).ToString());

    [Theory]
    [InlineData("vjp:0")]
    [InlineData("vjp")]
    [InlineData("jacobian")]
    public void BadLabelModeIsAUserError(string text) => Assert.Throws<UserErrorException>(() => LabelMode.Parse(text));
}
