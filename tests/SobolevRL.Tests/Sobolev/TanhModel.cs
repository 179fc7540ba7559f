using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Sobolev;

/// <summary>m(x) = A·tanh(B·x) in float64, with its closed-form input derivatives.</summary>
internal sealed class TanhModel
{
    public TanhModel(int inputs, int hidden, int outputs, long seed, bool requiresGrad = true)
    {
        var g = new Generator((ulong)seed);
        A = randn(new long[] { outputs, hidden }, dtype: ScalarType.Float64, generator: g).requires_grad_(requiresGrad);
        B = (0.7 * randn(new long[] { hidden, inputs }, dtype: ScalarType.Float64, generator: g)).requires_grad_(requiresGrad);
    }

    public Tensor A { get; }

    public Tensor B { get; }

    public Tensor Forward(Tensor x) => tanh(x.matmul(B.t())).matmul(A.t());

    /// <summary>J[b] = A · diag(1 − tanh²(B x_b)) · B, shape [N, O, I].</summary>
    public Tensor ClosedFormJacobian(Tensor x)
    {
        using var _ = no_grad();
        var slope = 1 - tanh(x.matmul(B.t())).square(); // [N, H]
        return einsum("oh,nh,hi->noi", A, slope, B);
    }

    /// <summary>Hessian of ⟨v, m⟩ at x: Σ_o v_o Σ_h A_oh · (−2 t_h (1 − t_h²)) B_h ⊗ B_h, shape [N, I, I].</summary>
    public Tensor ClosedFormProjectedHessian(Tensor x, Tensor v)
    {
        using var _ = no_grad();
        var t = tanh(x.matmul(B.t()));
        var curvature = -2 * t * (1 - t.square()); // [N, H]
        var weights = v.matmul(A) * curvature; // [N, H]
        return einsum("nh,hi,hj->nij", weights, B, B);
    }
}
