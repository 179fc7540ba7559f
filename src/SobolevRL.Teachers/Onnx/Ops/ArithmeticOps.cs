using TorchSharp;
using static TorchSharp.torch;
using SobolevRL.Hardware;

namespace SobolevRL.Onnx.Ops;

/// <summary>Element-wise arithmetic with numpy-style broadcasting: Add, Sub, Mul, Div, Pow, Max, Min, and unary math.</summary>
internal static class ArithmeticOps
{
    public static IEnumerable<OnnxOpDefinition> All() =>
    [
        new("Add", c => [c.Input(0).Plus(c.Input(1))]),
        new("Sub", c => [c.Input(0) - c.Input(1)]),
        new("Mul", c => [c.Input(0) * c.Input(1)]),
        new("Div", Div),
        new("Pow", Pow),
        new("Max", c => [Fold(c, torch.maximum)]),
        new("Min", c => [Fold(c, torch.minimum)]),
        new("Sqrt", c => [c.Input(0).sqrt()]),
        new("Exp", c => [c.Input(0).exp()]),
        new("Log", c => [c.Input(0).log()]),
        new("Neg", c => [c.Input(0).neg()]),
        new("Abs", c => [c.Input(0).abs()]),
        new("Clip", Clip),
    ];

    // Integer division truncates toward zero in ONNX (C semantics); float division is exact.
    static Tensor[] Div(OnnxOpContext c)
    {
        Tensor a = c.Input(0), b = c.Input(1);
        return [a.is_floating_point() ? a / b : a.div(b, RoundingMode.trunc)];
    }

    // The result has the base's element type, whatever the exponent's type.
    static Tensor[] Pow(OnnxOpContext c)
    {
        Tensor x = c.Input(0), y = c.Input(1);
        if (x.is_floating_point())
        {
            return [x.pow(y.to(x.dtype))];
        }
        return [x.to(ScalarType.Float64).pow(y.to(ScalarType.Float64)).to(x.dtype)];
    }

    static Tensor Fold(OnnxOpContext c, Func<Tensor, Tensor, Tensor> combine)
    {
        Tensor acc = c.Input(0);
        for (int i = 1; i < c.Inputs.Length; i++)
        {
            acc = combine(acc, c.Input(i));
        }
        return c.Inputs.Length == 1 ? acc.alias() : acc;
    }

    // Bounds are attributes before opset 11 and optional scalar inputs from opset 11 on.
    static Tensor[] Clip(OnnxOpContext c)
    {
        Tensor x = c.Input(0);
        double? min, max;
        if (c.Opset < 11)
        {
            min = c.Attributes.Has("min") ? c.Attributes.Float("min", 0) : null;
            max = c.Attributes.Has("max") ? c.Attributes.Float("max", 0) : null;
        }
        else
        {
            min = c.HasInput(1) ? c.InputAsDouble(1) : null;
            max = c.HasInput(2) ? c.InputAsDouble(2) : null;
        }
        if (min is null && max is null)
        {
            return [x.alias()];
        }
        if (min is double lo && max is double hi && lo > hi)
        {
            using var fill = ToScalar(hi, x);
            return [torch.full_like(x, fill)];
        }
        if (min is null)
        {
            using var top = ToScalar(max!.Value, x);
            return [x.clamp_max(top)];
        }
        using var low = ToScalar(min.Value, x);
        if (max is null) return [x.clamp_min(low)];
        using var high = ToScalar(max.Value, x);
        return [x.clamp(low, high)];
    }

    // The caller disposes it after the native call (a temporary could be freed mid-call, see Hardware/KeptAliveScalars).
    static Scalar ToScalar(double value, Tensor like) => like.is_floating_point() ? value.ToScalar() : ((long)value).ToScalar();
}
