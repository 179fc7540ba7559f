using SobolevRL.Onnx.Proto;
using TorchSharp;
using static TorchSharp.torch;
using SobolevRL.Hardware;

namespace SobolevRL.Onnx.Ops;

/// <summary>BatchNormalization in inference mode (running statistics) and LayerNormalization (opset 17).</summary>
internal static class NormalizationOps
{
    public static IEnumerable<OnnxOpDefinition> All() =>
    [
        new("BatchNormalization", BatchNorm, CheckBatchNorm),
        new("LayerNormalization", LayerNorm),
    ];

    // What nn.LayerNorm exports from opset 17: over the dims from axis (default -1) on, y = (x − mean) / sqrt(var +
    // epsilon) · scale + bias (biased variance); optional outputs Mean and InvStdDev keep the reduced dims as 1.
    static Tensor[] LayerNorm(OnnxOpContext c)
    {
        Tensor x = c.Input(0);
        long rank = x.dim();
        long axis = c.Attributes.Int("axis", -1);
        axis = axis < 0 ? axis + rank : axis;
        long[] dims = Enumerable.Range((int)axis, (int)(rank - axis)).Select(d => (long)d).ToArray();
        double epsilon = c.Attributes.Float("epsilon", 1e-5f);
        Tensor mean = x.mean(dims, keepdim: true);
        Tensor centred = x - mean;
        Tensor inverseStd = centred.mul(centred).mean(dims, keepdim: true).Plus(epsilon).rsqrt();
        Tensor y = centred.mul(inverseStd).mul(c.Input(1));
        if (c.HasInput(2)) y = y.Plus(c.Input(2));
        return c.OutputCount > 1 ? [y, mean, inverseStd] : [y];
    }

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
