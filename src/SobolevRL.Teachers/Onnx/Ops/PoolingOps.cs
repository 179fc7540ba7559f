using SobolevRL.Onnx.Proto;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SobolevRL.Onnx.Ops;

/// <summary>MaxPool, AveragePool and GlobalAveragePool over 1, 2 or 3 spatial axes.</summary>
internal static class PoolingOps
{
    public static IEnumerable<OnnxOpDefinition> All() =>
    [
        new("MaxPool", MaxPool, CheckMaxPool),
        new("AveragePool", AveragePool, CheckAveragePool),
        new("GlobalAveragePool", c => [c.Input(0).mean(Enumerable.Range(2, (int)c.Input(0).dim() - 2).Select(i => (long)i).ToArray(), keepdim: true)]),
    ];

    static string? CheckMaxPool(NodeProto node, OnnxNodeAttributes attributes, int opset) =>
        node.Output.Count > 1 && node.Output[1].Length > 0 ? "the second output 'Indices'" : null;

    static string? CheckAveragePool(NodeProto node, OnnxNodeAttributes attributes, int opset) =>
        attributes.Ints("dilations") is long[] d && d.Any(v => v != 1) ? "dilations other than 1" : null;

    // Padding is applied explicitly with -inf (or the type's minimum) so that asymmetric pads work.
    static Tensor[] MaxPool(OnnxOpContext c)
    {
        Tensor x = c.Input(0);
        int n = (int)x.dim() - 2;
        long[] kernel = c.Attributes.Ints("kernel_shape") ?? throw c.Error("'kernel_shape' is missing");
        long[] strides = c.Attributes.Ints("strides") ?? SpatialPadding.Ones(n);
        long[] dilations = c.Attributes.Ints("dilations") ?? SpatialPadding.Ones(n);
        bool ceil = c.Attributes.Int("ceil_mode", 0) == 1;
        var (begin, end) = SpatialPadding.Resolve(c, SpatialPadding.Spatial(x), kernel, strides, dilations);
        if (!SpatialPadding.IsZero(begin, end))
        {
            x = SpatialPadding.PadSpatial(x, begin, end, LowestValue(x));
        }
        long[] zero = new long[n];
        return n switch
        {
            1 => [F.max_pool1d(x, kernel[0], strides[0], 0, dilations[0], ceil)],
            2 => [F.max_pool2d(x, kernel, strides, zero, dilations, ceil)],
            3 => [F.max_pool3d(x, kernel, strides, zero, dilations, ceil)],
            _ => throw c.Error($"{n}-dimensional pooling is not supported (1D, 2D and 3D are)"),
        };
    }

    static double LowestValue(Tensor x) => x.dtype switch
    {
        ScalarType.Byte => byte.MinValue,
        ScalarType.Int8 => sbyte.MinValue,
        ScalarType.Int16 => short.MinValue,
        ScalarType.Int32 => int.MinValue,
        ScalarType.Int64 => long.MinValue,
        _ => double.NegativeInfinity,
    };

    // With count_include_pad = 0 (the default) each window's sum is divided by its number of real cells:
    // average(padded x) / average(padded mask of ones), the two averages sharing one divisor.
    static Tensor[] AveragePool(OnnxOpContext c)
    {
        Tensor x = c.Input(0);
        int n = (int)x.dim() - 2;
        long[] kernel = c.Attributes.Ints("kernel_shape") ?? throw c.Error("'kernel_shape' is missing");
        long[] strides = c.Attributes.Ints("strides") ?? SpatialPadding.Ones(n);
        bool ceil = c.Attributes.Int("ceil_mode", 0) == 1;
        bool includePad = c.Attributes.Int("count_include_pad", 0) == 1;
        var (begin, end) = SpatialPadding.Resolve(c, SpatialPadding.Spatial(x), kernel, strides, SpatialPadding.Ones(n));
        if (SpatialPadding.IsZero(begin, end))
        {
            return [Average(c, x, n, kernel, strides, ceil)];
        }
        Tensor padded = SpatialPadding.PadSpatial(x, begin, end, 0);
        Tensor average = Average(c, padded, n, kernel, strides, ceil);
        if (includePad)
        {
            return [average];
        }
        using Tensor ones = torch.ones([1, 1, .. SpatialPadding.Spatial(x)], dtype: x.dtype, device: x.device);
        using Tensor mask = SpatialPadding.PadSpatial(ones, begin, end, 0);
        using Tensor fraction = Average(c, mask, n, kernel, strides, ceil);
        return [average / fraction];
    }

    static Tensor Average(OnnxOpContext c, Tensor x, int n, long[] kernel, long[] strides, bool ceil) => n switch
    {
        1 => F.avg_pool1d(x, kernel[0], strides[0], 0, ceil, true),
        2 => F.avg_pool2d(x, kernel, strides, new long[2], ceil, true),
        3 => F.avg_pool3d(x, kernel, strides, new long[3], ceil, true),
        _ => throw c.Error($"{n}-dimensional pooling is not supported (1D, 2D and 3D are)"),
    };
}
