using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SobolevRL.Onnx.Ops;

/// <summary>Conv (1D, 2D, 3D; groups, dilations, strides, explicit or automatic padding).</summary>
internal static class ConvolutionOps
{
    public static IEnumerable<OnnxOpDefinition> All() => [new("Conv", Conv)];

    static Tensor[] Conv(OnnxOpContext c)
    {
        Tensor x = c.Input(0), w = c.Input(1);
        Tensor? b = c.OptionalInput(2);
        int n = (int)w.dim() - 2;
        long[] kernel = c.Attributes.Ints("kernel_shape") ?? w.shape[2..];
        long[] strides = c.Attributes.Ints("strides") ?? SpatialPadding.Ones(n);
        long[] dilations = c.Attributes.Ints("dilations") ?? SpatialPadding.Ones(n);
        long groups = c.Attributes.Int("group", 1);
        var (begin, end) = SpatialPadding.Resolve(c, SpatialPadding.Spatial(x), kernel, strides, dilations);
        long[] padding = begin;
        if (!SpatialPadding.IsSymmetric(begin, end))
        {
            x = SpatialPadding.PadSpatial(x, begin, end, 0);
            padding = new long[n];
        }
        return n switch
        {
            1 => [F.conv1d(x, w, b, strides[0], padding[0], dilations[0], groups)],
            2 => [F.conv2d(x, w, b, strides, padding, dilations, groups)],
            3 => [F.conv3d(x, w, b, strides, padding, dilations, groups)],
            _ => throw c.Error($"{n}-dimensional convolution is not supported (1D, 2D and 3D are)"),
        };
    }
}
