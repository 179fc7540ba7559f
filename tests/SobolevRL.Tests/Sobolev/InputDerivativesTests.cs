using SobolevRL.Sobolev;
using static SobolevRL.Tests.Sobolev.TestTensors;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Sobolev;

public class InputDerivativesTests
{
    private const int N = 5, I = 4, H = 6, O = 3;

    [Fact]
    public void Jacobian_MatchesClosedForm()
    {
        using var scope = NewDisposeScope();
        var model = new TanhModel(I, H, O, seed: 1, requiresGrad: false);
        var x = Randn(2, N, I).requires_grad_(true);
        var jacobian = InputDerivatives.Jacobian(model.Forward(x), x, createGraph: false);
        AssertClose(model.ClosedFormJacobian(x), jacobian, 1e-12);
    }

    [Fact]
    public void Jacobian_MatchesCentralFiniteDifferences_ForImageShapedInput()
    {
        using var scope = NewDisposeScope();
        var conv = nn.Conv2d(2, 3, 3).to(ScalarType.Float64);
        var head = nn.Linear(3 * 3 * 3, 2).to(ScalarType.Float64);
        Tensor Model(Tensor input) => head.forward(tanh(conv.forward(input)).flatten(1));
        var x = Randn(3, 2, 2, 5, 5).requires_grad_(true);

        var jacobian = InputDerivatives.Jacobian(Model(x), x, createGraph: false);

        Assert.Equal(new long[] { 2, 2, 2, 5, 5 }, jacobian.shape);
        var numeric = zeros_like(jacobian);
        const double h = 1e-6;
        using (no_grad())
        {
            var flat = x.detach().flatten(1);
            for (long i = 0; i < flat.shape[1]; i++)
            {
                var step = zeros_like(flat);
                step[TensorIndex.Colon, i] = tensor(h, ScalarType.Float64);
                var plus = Model((flat + step).reshape(x.shape));
                var minus = Model((flat - step).reshape(x.shape));
                numeric.flatten(2)[TensorIndex.Colon, TensorIndex.Colon, i] = (plus - minus) / (2 * h);
            }
        }

        AssertClose(numeric, jacobian, 1e-7);
    }

    [Fact]
    public void VectorJacobianProducts_MatchClosedForm()
    {
        using var scope = NewDisposeScope();
        var model = new TanhModel(I, H, O, seed: 3, requiresGrad: false);
        var x = Randn(4, N, I).requires_grad_(true);
        var v = Randn(5, N, 2, O);
        var products = InputDerivatives.VectorJacobianProducts(model.Forward(x), x, v, createGraph: false);
        AssertClose(einsum("nko,noi->nki", v, model.ClosedFormJacobian(x)), products, 1e-12);
    }

    [Fact]
    public void RejectsAnInputThatDoesNotRequireGrad()
    {
        using var scope = NewDisposeScope();
        var model = new TanhModel(I, H, O, seed: 1, requiresGrad: false);
        var x = Randn(2, N, I);
        Assert.Throws<ArgumentException>(() => InputDerivatives.Jacobian(model.Forward(x), x, createGraph: false));
    }
}
