using TorchSharp;
using static TorchSharp.torch;
using SobolevRL.Hardware;

namespace SobolevRL.Onnx.Ops;

/// <summary>MatMul, Gemm and Einsum.</summary>
internal static class LinearAlgebraOps
{
    public static IEnumerable<OnnxOpDefinition> All() =>
    [
        new("MatMul", c => [torch.matmul(c.Input(0), c.Input(1))]),
        new("Gemm", Gemm),
        // ONNX's equation language is numpy's, which libtorch's einsum reads (implicit output, "...", one or more
        // operands); spaces are dropped.
        new("Einsum", c => [torch.einsum(c.Attributes.String("equation", "").Replace(" ", "", StringComparison.Ordinal), c.Inputs.Select((t, i) => t ?? c.Input(i)).ToArray())]),
    ];

    // Y = alpha * A' * B' + beta * C, with A' = transA ? A^T : A, B' likewise; C is optional from opset 11.
    static Tensor[] Gemm(OnnxOpContext c)
    {
        Tensor a = c.Input(0), b = c.Input(1);
        double alpha = c.Attributes.Float("alpha", 1f), beta = c.Attributes.Float("beta", 1f);
        bool transA = c.Attributes.Int("transA", 0) == 1, transB = c.Attributes.Int("transB", 0) == 1;
        Tensor? c2 = c.OptionalInput(2);
        // The exported form of a linear layer (x · Wᵀ + b): one fused addmm forward and a single mm in backward.
        if (!transA && transB && alpha == 1 && (c2 is null || beta == 1) && a.dim() == 2 && (c2 is null || (c2.dim() == 1 && c2.shape[0] == b.shape[0])))
        {
            return [torch.nn.functional.linear(a, b, c2)];
        }
        if (transA)
        {
            a = a.t();
        }
        if (transB)
        {
            b = b.t();
        }
        Tensor y = torch.matmul(a, b);
        if (alpha != 1)
        {
            y = y.Times(alpha);
        }
        if (c2 is Tensor bias && beta != 0)
        {
            y = y.Plus(beta == 1 ? bias : bias.Times(beta));
        }
        return [y];
    }
}
