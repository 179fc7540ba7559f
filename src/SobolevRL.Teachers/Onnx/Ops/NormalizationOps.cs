using SobolevRL.Onnx.Proto;
using TorchSharp;
using static TorchSharp.torch;
using SobolevRL.Hardware;

namespace SobolevRL.Onnx.Ops;

/// <summary>BatchNormalization in inference mode (running statistics).</summary>
internal static class NormalizationOps
{
    public static IEnumerable<OnnxOpDefinition> All() => [new("BatchNormalization", BatchNorm, CheckBatchNorm)];

    static string? CheckBatchNorm(NodeProto node, OnnxNodeAttributes attributes, int opset) =>
        attributes.Int("training_mode", 0) == 1 || node.Output.Skip(1).Any(o => o.Length > 0)
            ? "training mode (training_mode = 1 or running-statistics outputs)"
            : null;

    // y = (x - mean) / sqrt(var + epsilon) * scale + bias, parameters broadcast over axis 1.
    static Tensor[] BatchNorm(OnnxOpContext c)
    {
        Tensor x = c.Input(0);
        long[] shape = new long[x.dim()];
        Array.Fill(shape, 1L);
        shape[1] = -1;
        double epsilon = c.Attributes.Float("epsilon", 1e-5f);
        Tensor scale = c.Input(1).reshape(shape), bias = c.Input(2).reshape(shape);
        Tensor mean = c.Input(3).reshape(shape), variance = c.Input(4).reshape(shape);
        return [((x - mean) / variance.Plus(epsilon).sqrt() * scale).Plus(bias)];
    }
}
