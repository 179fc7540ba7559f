using SobolevRL.Sobolev;
using TorchSharp;
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
    public void JacobianVectorProducts_MatchClosedForm()
    {
        using var scope = NewDisposeScope();
        var model = new TanhModel(I, H, O, seed: 6, requiresGrad: false);
        var x = Randn(7, N, I).requires_grad_(true);
        var u = Randn(8, N, 3, I);
        var products = InputDerivatives.JacobianVectorProducts(model.Forward(x), x, u, createGraph: false);
        AssertClose(einsum("noi,nki->nko", model.ClosedFormJacobian(x), u), products, 1e-12);
    }

    [Fact]
    public void HessianVectorProducts_MatchClosedForm_ForCubicPolynomial()
    {
        using var scope = NewDisposeScope();
        // s(x) = Σ c_i x_i³ + x0·x1·x2: H = diag(6 c_i x_i) plus x2, x1, x0 off the diagonal.
        var c = tensor(new[] { 1.0, -2.0, 0.5 }, ScalarType.Float64);
        var x = Randn(9, N, 3).requires_grad_(true);
        var s = (c * x.pow(3)).sum(1) + x[.., 0] * x[.., 1] * x[.., 2];
        var u = Randn(10, N, 2, 3);

        var products = InputDerivatives.HessianVectorProducts(s, x, u, createGraph: false);

        var xd = x.detach();
        var hessian = diag_embed(6 * c * xd);
        hessian[.., 0, 1] = xd[.., 2];
        hessian[.., 1, 0] = xd[.., 2];
        hessian[.., 0, 2] = xd[.., 1];
        hessian[.., 2, 0] = xd[.., 1];
        hessian[.., 1, 2] = xd[.., 0];
        hessian[.., 2, 1] = xd[.., 0];
        AssertClose(einsum("nij,nkj->nki", hessian, u), products, 1e-12);
    }

    [Fact]
    public void HessianVectorProducts_MatchClosedForm_ForProjectedTanhModel()
    {
        using var scope = NewDisposeScope();
        var model = new TanhModel(I, H, O, seed: 11, requiresGrad: false);
        var x = Randn(12, N, I).requires_grad_(true);
        var v = Randn(13, N, O);
        var u = Randn(14, N, 2, I);
        var products = InputDerivatives.HessianVectorProducts((model.Forward(x) * v).sum(1), x, u, createGraph: false);
        AssertClose(einsum("nij,nkj->nki", model.ClosedFormProjectedHessian(x, v), u), products, 1e-12);
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
