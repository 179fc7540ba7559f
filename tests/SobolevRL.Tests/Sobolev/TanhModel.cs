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
}
