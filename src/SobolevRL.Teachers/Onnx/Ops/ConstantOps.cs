using SobolevRL.Onnx.Proto;
using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Onnx.Ops;

/// <summary>Constant, ConstantOfShape, Identity, Cast and (inference-mode) Dropout.</summary>
internal static class ConstantOps
{
    public static IEnumerable<OnnxOpDefinition> All() =>
    [
        new("Constant", Constant, CheckConstant),
        new("ConstantOfShape", ConstantOfShape),
        new("Identity", c => [c.Input(0).alias()]),
        new("Cast", Cast, CheckCast),
        new("Dropout", Dropout, CheckDropout),
    ];

    static readonly string[] SupportedConstantAttributes = ["value", "value_float", "value_floats", "value_int", "value_ints"];

    static string? CheckConstant(NodeProto node, OnnxNodeAttributes attributes, int opset)
    {
        string? other = node.Attribute.Select(a => a.Name).FirstOrDefault(n => !SupportedConstantAttributes.Contains(n));
        return other is null ? null : $"attribute '{other}' (only {string.Join(", ", SupportedConstantAttributes)} are supported)";
    }

    static Tensor[] Constant(OnnxOpContext c)
    {
        OnnxNodeAttributes a = c.Attributes;
        if (a.Tensor("value") is TensorProto t)
        {
            return [TensorProtoConversion.ToTensor(t, c.Device)];
        }
        if (a.Has("value_float"))
        {
            return [torch.tensor(a.Float("value_float", 0), dtype: ScalarType.Float32, device: c.Device)];
        }
        if (a.Floats("value_floats") is float[] fs)
        {
            return [torch.tensor(fs, dtype: ScalarType.Float32, device: c.Device)];
        }
        if (a.Has("value_int"))
        {
            return [torch.tensor(a.Int("value_int", 0), dtype: ScalarType.Int64, device: c.Device)];
        }
        if (a.Ints("value_ints") is long[] ls)
        {
            return [torch.tensor(ls, dtype: ScalarType.Int64, device: c.Device)];
        }
        throw c.Error("it has no value attribute");
    }

    // A tensor of the given shape filled with the one-element 'value' attribute (default float 0).
    static Tensor[] ConstantOfShape(OnnxOpContext c)
    {
        long[] shape = c.InputAsLongs(0);
        if (c.Attributes.Tensor("value") is not TensorProto t)
        {
            return [torch.zeros(shape, dtype: ScalarType.Float32, device: c.Device)];
        }
        using Tensor value = TensorProtoConversion.ToTensor(t, c.Device);
        // An empty shape (PyTorch's x.new_ones(()), torch.full((), v)) is a rank-0 scalar: expand to [1], then drop the dimension.
        return [value.reshape(1).expand(shape.Length == 0 ? [1] : shape).reshape(shape).clone()];
    }

    static string? CheckCast(NodeProto node, OnnxNodeAttributes attributes, int opset)
    {
        int to = (int)attributes.Int("to", 0);
        return OnnxDataTypes.ToTorch(to) is null ? $"cast to element type '{OnnxDataTypes.Name(to)}'" : null;
    }

    static Tensor[] Cast(OnnxOpContext c)
    {
        int to = (int)c.Attributes.Int("to", 0);
        Tensor x = c.Input(0);
        ScalarType type = OnnxDataTypes.ToTorchOrThrow(to, OnnxOpContextText.Describe(c.Node));
        return [x.dtype == type ? x.alias() : x.to(type)];
    }

    static string? CheckDropout(NodeProto node, OnnxNodeAttributes attributes, int opset) =>
        opset < 7 && attributes.Int("is_test", 0) == 0 ? "training mode (is_test = 0)" : null;

    // Inference: the output is the input, the optional mask is all true. Training mode is refused unless
    // the ratio is 0 (then it is the identity too).
    static Tensor[] Dropout(OnnxOpContext c)
    {
        Tensor x = c.Input(0);
        double ratio = c.HasInput(1) ? c.InputAsDouble(1) : 0.5;
        if (c.HasInput(2) && c.InputAsDouble(2) != 0 && ratio != 0)
        {
            throw c.Error("training_mode = true is not supported (SobolevRL evaluates teachers in inference mode)");
        }
        Tensor y = x.alias();
        return c.OutputCount > 1 ? [y, torch.ones_like(x, dtype: ScalarType.Bool)] : [y];
    }
}
