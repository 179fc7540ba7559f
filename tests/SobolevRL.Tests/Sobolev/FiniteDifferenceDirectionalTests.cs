using SobolevRL.Sobolev;
using static SobolevRL.Tests.Sobolev.TestTensors;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Sobolev;

public class FiniteDifferenceDirectionalTests
{
    [Fact]
    public void IsExactForAQuadratic()
    {
        using var scope = NewDisposeScope();
        // m(x) = [xᵀQx, a·x]: J = [2Qx ; a] (Q symmetric).
        var q = Randn(1, 3, 3);
        q = q + q.t();
        var a = Randn(2, 3);
        Tensor Model(Tensor x) => stack([einsum("ni,ij,nj->n", x, q, x), x.matmul(a)], dim: 1);
        var x = Randn(3, 4, 3);
        var u = Randn(4, 4, 2, 3);

        var estimate = FiniteDifferenceDirectional.Estimate(Model, x, u, step: 0.5);

        var jacobian = stack([2 * x.matmul(q), a.expand(4, 3)], dim: 1);
        AssertClose(einsum("noi,nki->nko", jacobian, u), estimate, 1e-12);
    }

    [Fact]
    public void ConvergesQuadraticallyInTheStep_ForASmoothModel()
    {
        using var scope = NewDisposeScope();
        var model = new TanhModel(3, 5, 2, seed: 5, requiresGrad: false);
        var x = Randn(6, 4, 3);
        var u = Randn(7, 4, 2, 3);
        var exact = einsum("noi,nki->nko", model.ClosedFormJacobian(x), u);

        double Error(double step) => (FiniteDifferenceDirectional.Estimate(model.Forward, x, u, step) - exact).abs().max().item<double>();

        var coarse = Error(1e-2);
        var fine = Error(5e-3);
        Assert.True(coarse > 1e-9, "the estimate should not be exact for tanh");
        Assert.InRange(coarse / fine, 3.6, 4.4);
    }
}
