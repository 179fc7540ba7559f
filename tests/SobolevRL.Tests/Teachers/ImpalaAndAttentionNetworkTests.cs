using SobolevRL.Sobolev;
using SobolevRL.Tests.Sobolev;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SobolevRL.Tests.Teachers;

/// <summary>
/// The IMPALA ResNet and the entity-attention policy: their shapes and parameter counts, and their input-gradients and the
/// parameter gradients of a Sobolev term on them (autograd's double backward) against central finite differences in float64.
/// </summary>
[Collection(TorchGlobalState.Name)]
public class ImpalaAndAttentionNetworkTests
{
    [Fact]
    public void ImpalaHasTheFifteenLayerShape()
    {
        using var scope = NewDisposeScope();
        using var net = PolicyNetworks.ImpalaResNet(4, 6, 84, 84);
        // Stacks of 16/32/32 channels: 592 + 4·2,320 | 4,640 + 4·9,248 | 9,248 + 4·9,248; fc 32·11·11 → 256; fc 256 → 6.
        Assert.Equal(9_872 + 41_632 + 46_240 + 991_488 + 1_542, PolicyNetworks.ParameterCount(net));
        Assert.Equal(15, net.modules().OfType<TorchSharp.Modules.Conv2d>().Count());
        using var _ = no_grad();
        Assert.Equal(new long[] { 3, 6 }, net.forward(rand(3, 4, 84, 84)).shape);
    }

    [Fact]
    public void AttentionHasItsShapeAndIgnoresNoCell()
    {
        using var scope = NewDisposeScope();
        using var net = PolicyNetworks.EntityAttention(4, 10, 10, 6);
        // Embedding (4 + 2)·48 + 48; query, key, value, output 4·(48·48 + 48); fc 48·64 + 64; fc 64·6 + 6.
        Assert.Equal(336 + 9_408 + 3_136 + 390, PolicyNetworks.ParameterCount(net));
        using var _ = no_grad();
        var x = rand(2, 4, 10, 10);
        Assert.Equal(new long[] { 2, 6 }, net.forward(x).shape);
        // Every cell is an entity: changing one cell changes the logits.
        var changed = x.clone();
        changed[0, 2, 9, 9] = tensor(5.0f);
        Assert.True(net.forward(changed)[0].sub(net.forward(x)[0]).abs().max().item<float>() > 0);
    }

    public static TheoryData<string> Networks => new() { "impala", "attention" };

    [Theory]
    [MemberData(nameof(Networks))]
    public void InputJacobianMatchesFiniteDifferences(string name)
    {
        using var scope = NewDisposeScope();
        var (net, x) = Small(name);
        var input = x.requires_grad_(true);
        var jacobian = InputDerivatives.Jacobian(F.log_softmax(net.forward(input), -1), input, createGraph: false);
        const double h = 1e-6;
        using var _ = no_grad();
        var flat = x.detach().flatten(1);
        for (long i = 0; i < flat.shape[1]; i += 7)
        {
            double original = flat[0, i].item<double>();
            flat[0, i] = tensor(original + h);
            var plus = F.log_softmax(net.forward(x.detach()), -1)[0];
            flat[0, i] = tensor(original - h);
            var minus = F.log_softmax(net.forward(x.detach()), -1)[0];
            flat[0, i] = tensor(original);
            var numeric = plus.sub(minus).div(2 * h);
            var exact = jacobian[0].flatten(1)[TensorIndex.Colon, i];
            Assert.True(numeric.sub(exact).abs().max().item<double>() < 1e-6, $"{name} input {i}: {numeric.str()} vs {exact.str()}");
        }
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void SobolevTermParameterGradientsMatchFiniteDifferences(string name)
    {
        using var scope = NewDisposeScope();
        var (net, x) = Small(name);
        var v = randn(x.shape[0], 2, 3, dtype: ScalarType.Float64);
        var target = randn([x.shape[0], 2, .. x.shape[1..]], dtype: ScalarType.Float64);
        double Loss(bool backward)
        {
            using var inner = NewDisposeScope();
            var input = x.detach().requires_grad_(true);
            var rows = InputDerivatives.VectorJacobianProducts(F.log_softmax(net.forward(input), -1), input, v, createGraph: backward);
            var loss = rows.sub(target).pow(2).sum();
            if (backward) loss.backward();
            return loss.item<double>();
        }
        net.zero_grad();
        Loss(backward: true);
        ParameterFiniteDifferences.AssertMatch(net, () => Loss(backward: false), perParameter: 3, "double backward");
    }

    // Small float64 instances: IMPALA at quarter width on 2×12×12, attention over a 3×4×5 grid; 3 actions, 2 states.
    private static (nn.Module<Tensor, Tensor> Net, Tensor X) Small(string name)
    {
        torch.manual_seed(3);
        var net = name == "impala" ? PolicyNetworks.ImpalaResNet(2, 3, 12, 12, 0.25) : PolicyNetworks.EntityAttention(3, 4, 5, 3, dim: 8, heads: 2, hidden: 8);
        net.to(ScalarType.Float64);
        var x = name == "impala" ? randn(2, 2, 12, 12, dtype: ScalarType.Float64) : randn(2, 3, 4, 5, dtype: ScalarType.Float64);
        return (net, x);
    }
}
