using SobolevRL.Sobolev;
using static SobolevRL.Tests.Sobolev.TestTensors;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Sobolev;

[Collection(TorchGlobalState.Name)]
public class ExplicitInputGradientsTests
{
    private const int B = 3, O = 4;

    // Convolutions of both kinds of input gradient: space-to-depth (kernel divisible by stride: A, D) and transposed
    // convolution (B, C); 13x13 inputs leave rows and columns the strided convolutions never reach.
    private static nn.Module<Tensor, Tensor> Network(int seed)
    {
        torch.manual_seed(seed);
        var net = nn.Sequential(
            nn.Conv2d(2, 4, 4, stride: 2, padding: 1), nn.ReLU(),      // A: 13 -> 6
            nn.Conv2d(4, 5, 3, stride: 2), nn.ReLU(),                  // B: 6 -> 2
            nn.Conv2d(5, 3, 2, dilation: 2, padding: 1), nn.ReLU(),    // C: 2 -> 2
            nn.Conv2d(3, 3, 2, padding: 1), nn.ReLU(),                 // D: 2 -> 3
            nn.Flatten(), nn.Linear(3 * 3 * 3, 7), nn.ReLU(), nn.Linear(7, O));
        return net.to(float64);
    }

    private static Tensor Inputs(long seed) => Randn(seed, B, 2, 13, 13);

    [Fact]
    public void ForwardEqualsTheNetworkAndVjpEqualsAutogradInputGradient()
    {
        using var scope = NewDisposeScope();
        var net = Network(1);
        var chain = ExplicitInputGradients.TryCreate(net)!;
        var x = Inputs(2).requires_grad_(true);
        var y = net.forward(x);
        var c = Randn(3, 2, B, O);

        AssertClose(y.detach(), chain.Forward(x.detach()), 1e-13);
        var expected = InputDerivatives.VectorJacobianProducts(y, x, c.transpose(0, 1), createGraph: false);
        AssertClose(expected, chain.Vjp(c).transpose(0, 1), 1e-12);
    }

    [Fact]
    public void VjpMatchesCentralFiniteDifferencesOfTheNetwork()
    {
        using var scope = NewDisposeScope();
        var net = Network(4);
        var chain = ExplicitInputGradients.TryCreate(net)!;
        var x = Inputs(5);
        var c = Randn(6, 1, B, O);
        var u = Randn(7, B, 2, 13, 13);
        chain.Forward(x);
        var analytic = (chain.Vjp(c)[0] * u).flatten(1).sum(1);
        const double h = 1e-6;
        using var noGrad = no_grad();
        var numeric = ((net.forward(x + h * u) - net.forward(x - h * u)) * c[0]).sum(1) / (2 * h);
        AssertClose(numeric, analytic, 1e-7);
    }

    [Fact]
    public void ParameterGradientOfALossOnTheVjpEqualsAutogradDoubleBackward()
    {
        using var scope = NewDisposeScope();
        var net = Network(8);
        // Biases change only the ReLU masks, which are constants of the input gradient: they receive no gradient.
        var parameters = net.parameters().Where(p => p.dim() > 1).ToArray();
        var x = Inputs(9);
        var c = Randn(10, 2, B, O).requires_grad_(true);
        var target = Randn(11, 2, B, 2, 13, 13);

        var xi = x.detach().requires_grad_(true);
        var autograd = InputDerivatives.VectorJacobianProducts(net.forward(xi), xi, c.transpose(0, 1), createGraph: true).transpose(0, 1);
        var expected = torch.autograd.grad([(autograd - target).square().sum()], [.. parameters, c]);

        var chain = ExplicitInputGradients.TryCreate(net)!;
        chain.Forward(x);
        var actual = torch.autograd.grad([(chain.Vjp(c) - target).square().sum()], [.. parameters, c]);

        for (int i = 0; i < expected.Count; i++) AssertClose(expected[i], actual[i], 1e-11);
    }

    [Theory]
    [InlineData(30)]
    [InlineData(33)]
    public void SpaceToDepthForwardOfNatureLikeStridedConvolutionsHasTheNetworksValuesAndParameterGradients(int size)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(21);
        // Kernels 8/4 and 4/2 as the Nature CNN's, on sizes the strides do not divide (rows no output reaches), then a
        // padded one.
        var net = nn.Sequential(nn.Conv2d(2, 3, 8, stride: 4), nn.ReLU(), nn.Conv2d(3, 4, 4, stride: 2), nn.ReLU(),
            nn.Conv2d(4, 2, 2, stride: 2, padding: 1), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 2 * 2, O)).to(float64);
        var x = Randn(22, B, 2, size, size);
        var y = net.forward(x);
        var parameters = net.parameters().ToArray();
        var c = Randn(23, B, O);
        var expected = torch.autograd.grad([(y * c).sum()], parameters);

        var chain = ExplicitInputGradients.TryCreate(net)!;
        var actualY = chain.Forward(x, recordForVjp: false);
        var actual = torch.autograd.grad([(actualY * c).sum()], parameters);

        AssertClose(y.detach(), actualY.detach(), 1e-13);
        for (int i = 0; i < parameters.Length; i++) AssertClose(expected[i], actual[i], 1e-12);
        Assert.Throws<InvalidOperationException>(() => chain.Vjp(Randn(24, 1, B, O)));
    }

    [Fact]
    public void UnsupportedNetworksAreRefused()
    {
        using var scope = NewDisposeScope();
        Assert.Null(ExplicitInputGradients.TryCreate(nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2))));
        Assert.Null(ExplicitInputGradients.TryCreate(nn.Sequential(nn.Conv2d(1, 2, 3, padding: 1, padding_mode: PaddingModes.Reflect), nn.ReLU())));
        Assert.Null(ExplicitInputGradients.TryCreate(nn.Linear(4, 3)));
        Assert.NotNull(ExplicitInputGradients.TryCreate(PolicyNetworks.NatureCnn(6, 0.5)));
    }

    [Fact]
    public void OnlyNetworksWithAStridedConvolutionAreMarkedFaster()
    {
        using var scope = NewDisposeScope();
        Assert.True(ExplicitInputGradients.TryCreate(PolicyNetworks.NatureCnn(6, 0.5))!.HasStridedConvolution);
        Assert.False(ExplicitInputGradients.TryCreate(PolicyNetworks.MinAtarCnn(4, 6, 8, 64))!.HasStridedConvolution);
        Assert.False(ExplicitInputGradients.TryCreate(PolicyNetworks.Mlp(8, [4], 2))!.HasStridedConvolution);
    }

    [Theory]
    [InlineData("full", 1.0, 1.0)]
    [InlineData("vjp:2", 2.0, 1.0 / 255.0)]
    public void DistillationLossWithExplicitGradientsEqualsDoubleBackward(string mode, double temperature, double inputScale)
    {
        using var scope = NewDisposeScope();
        var labelMode = LabelMode.Parse(mode);
        using var teacher = new ModulePolicy(Network(12), [2, 13, 13], O, inputScale, temperature);
        using var student = new ModulePolicy(Network(13), [2, 13, 13], O, inputScale, temperature);
        var x = Inputs(14).abs() * (1 / inputScale);
        using var labels = Labeler.Label(teacher, x, labelMode, new Generator(15));
        using var batch = new ReplayBatch(x, labels.Logits, zeros([B], int64), labels.GradLabels, labels.Projections);
        var options = new LossOptions { Sobolev = mode };
        var parameters = student.Network.parameters().ToArray();

        (Tensor Total, Tensor Sobolev, IList<Tensor> Grads) Run(bool explicitGradients)
        {
            var parts = DistillationLoss.Compute(student, batch, options, labelMode, temperature, 0.7, explicitGradients: explicitGradients);
            return (parts.Total, parts.Sobolev, torch.autograd.grad([parts.Total], parameters));
        }

        var expected = Run(explicitGradients: false);
        var actual = Run(explicitGradients: true);
        Assert.True(expected.Sobolev.item<double>() > 0);
        AssertClose(expected.Total, actual.Total, 1e-12);
        AssertClose(expected.Sobolev, actual.Sobolev, 1e-12);
        for (int i = 0; i < parameters.Length; i++) AssertClose(expected.Grads[i], actual.Grads[i], 1e-10);
    }

    [Fact]
    public void DistillationSobolevTermParameterGradientEqualsFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        using var teacher = new ModulePolicy(Network(16), [2, 13, 13], O);
        using var student = new ModulePolicy(Network(17), [2, 13, 13], O);
        var x = Inputs(18);
        using var labels = Labeler.Label(teacher, x, LabelMode.Vjp(1), new Generator(19));
        using var batch = new ReplayBatch(x, labels.Logits, zeros([B], int64), labels.GradLabels, labels.Projections);
        var options = new LossOptions { Sobolev = "vjp:1" };
        double Term() => DistillationLoss.Compute(student, batch, options, LabelMode.Vjp(1), 1.0, 1.0).Sobolev.item<double>();

        using (var parts = DistillationLoss.Compute(student, batch, options, LabelMode.Vjp(1), 1.0, 1.0)) parts.Sobolev.backward();
        ParameterFiniteDifferences.AssertMatch(student.Network, Term, perParameter: 3, "explicit");
    }
}
