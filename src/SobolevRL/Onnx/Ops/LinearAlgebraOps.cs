using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Onnx.Ops;

/// <summary>MatMul and Gemm.</summary>
internal static class LinearAlgebraOps
{
    public static IEnumerable<OnnxOpDefinition> All() =>
    [
        new("MatMul", c => [torch.matmul(c.Input(0), c.Input(1))]),
        new("Gemm", Gemm),
    ];

    // Y = alpha * A' * B' + beta * C, with A' = transA ? A^T : A, B' likewise; C is optional from opset 11.
    static Tensor[] Gemm(OnnxOpContext c)
    {
        Tensor a = c.Input(0), b = c.Input(1);
        if (c.Attributes.Int("transA", 0) == 1)
        {
            a = a.t();
        }
        if (c.Attributes.Int("transB", 0) == 1)
        {
            b = b.t();
        }
        double alpha = c.Attributes.Float("alpha", 1f), beta = c.Attributes.Float("beta", 1f);
        Tensor y = torch.matmul(a, b);
        if (alpha != 1)
        {
            y = y * alpha;
        }
        if (c.OptionalInput(2) is Tensor bias && beta != 0)
        {
            y = y + (beta == 1 ? bias : bias * beta);
        }
        return [y];
    }
}
