using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using SobolevRL.Hardware;

namespace SobolevRL.Onnx.Ops;

/// <summary>Activation functions and (log-)softmax.</summary>
internal static class ActivationOps
{
    public static IEnumerable<OnnxOpDefinition> All() =>
    [
        new("Relu", c => [F.relu(c.Input(0))]),
        new("LeakyRelu", c => [c.Input(0).LeakyRelu(c.Attributes.Float("alpha", 0.01f))]),
        new("Elu", c => [c.Input(0).Elu(c.Attributes.Float("alpha", 1f))]),
        new("Selu", Selu),
        new("Tanh", c => [c.Input(0).tanh()]),
        new("Sigmoid", c => [c.Input(0).sigmoid()]),
        new("HardSigmoid", c => [c.Input(0).Times(c.Attributes.Float("alpha", 0.2f)).Plus(c.Attributes.Float("beta", 0.5f)).Clamp(0, 1)]),
        // ln(1 + e^x) = −log σ(−x): libtorch's stable log-sigmoid, no Scalar (F.softplus takes temporary ones), and its
        // gradient is σ(x) exactly as softplus's.
        new("Softplus", c => [F.logsigmoid(c.Input(0).neg()).neg()]),
        new("Gelu", Gelu, (n, a, o) => a.String("approximate", "none") is "none" or "tanh" ? null : $"approximate '{a.String("approximate", "")}' (none and tanh are supported)"),
        // x · HardSigmoid(x) with alpha 1/6, beta 1/2 (opset 14).
        new("HardSwish", c => [c.Input(0).Times(1.0 / 6).Plus(0.5).Clamp(0, 1).mul(c.Input(0))]),
        new("Erf", c => [c.Input(0).erf()]),
        new("Softmax", c => [SoftmaxLike(c, (x, d) => x.softmax(d))]),
        new("LogSoftmax", c => [SoftmaxLike(c, (x, d) => x.log_softmax(d))]),
    ];

    // Opset 20: x·Φ(x) = x·(1 + erf(x/√2))/2, or with approximate = "tanh" x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))/2.
    static Tensor[] Gelu(OnnxOpContext c)
    {
        Tensor x = c.Input(0);
        Tensor inner = c.Attributes.String("approximate", "none") == "tanh"
            ? x.mul(x).mul(x).Times(0.044715).Plus(x).Times(Math.Sqrt(2 / Math.PI)).tanh()
            : x.Times(1 / Math.Sqrt(2)).erf();
        return [x.mul(inner.Plus(1.0)).Times(0.5)];
    }

    // gamma * (x > 0 ? x : alpha * (exp(x) - 1)); exp sees only non-positive values so its gradient stays finite.
    static Tensor[] Selu(OnnxOpContext c)
    {
        Tensor x = c.Input(0);
        double alpha = c.Attributes.Float("alpha", 1.67326319217681884765625f);
        double gamma = c.Attributes.Float("gamma", 1.05070102214813232421875f);
        Tensor negative = x.AtMost(0).exp().Minus(1).Times(alpha);
        return [torch.where(x.GreaterThan(0), x, negative).Times(gamma)];
    }

    // From opset 13 the function applies along one axis (default -1). Before 13 the input is coerced to 2D
    // [prod(dims before axis), prod(dims from axis)] (default axis 1) and the function applies to each row.
    static Tensor SoftmaxLike(OnnxOpContext c, Func<Tensor, long, Tensor> apply)
    {
        Tensor x = c.Input(0);
        long rank = x.dim();
        if (c.Opset >= 13)
        {
            return apply(x, c.Attributes.Int("axis", -1));
        }
        long axis = c.Attributes.Int("axis", 1);
        axis = axis < 0 ? axis + rank : axis;
        if (rank == 0)
        {
            return apply(x.reshape(1, 1), 1).reshape(x.shape);
        }
        long rows = 1;
        for (long i = 0; i < axis; i++)
        {
            rows *= x.shape[i];
        }
        return apply(x.reshape(rows, -1), 1).reshape(x.shape);
    }
}
