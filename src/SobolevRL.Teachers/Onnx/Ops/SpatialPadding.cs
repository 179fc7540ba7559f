using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SobolevRL.Onnx.Ops;

/// <summary>
/// The explicit begin/end padding of each spatial axis for Conv and pooling, from 'pads' or 'auto_pad'
/// (SAME_UPPER puts the odd extra cell at the end, SAME_LOWER at the beginning, VALID pads nothing).
/// </summary>
internal static class SpatialPadding
{
    public static (long[] Begin, long[] End) Resolve(OnnxOpContext c, long[] spatial, long[] kernel, long[] strides, long[] dilations)
    {
        int n = spatial.Length;
        var begin = new long[n];
        var end = new long[n];
        string autoPad = c.Attributes.String("auto_pad", "NOTSET");
        if (autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            for (int i = 0; i < n; i++)
            {
                long output = (spatial[i] + strides[i] - 1) / strides[i];
                long total = Math.Max(0, (output - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - spatial[i]);
                long small = total / 2;
                (begin[i], end[i]) = autoPad == "SAME_UPPER" ? (small, total - small) : (total - small, small);
            }
            return (begin, end);
        }
        if (autoPad is "NOTSET" && c.Attributes.Ints("pads") is long[] pads)
        {
            if (pads.Length != 2 * n)
            {
                throw c.Error($"'pads' has {pads.Length} entries, expected {2 * n}");
            }
            Array.Copy(pads, 0, begin, 0, n);
            Array.Copy(pads, n, end, 0, n);
        }
        else if (autoPad is not ("NOTSET" or "VALID"))
        {
            throw c.Error($"auto_pad '{autoPad}' is not an ONNX value");
        }
        return (begin, end);
    }

    public static bool IsZero(long[] begin, long[] end) => begin.All(p => p == 0) && end.All(p => p == 0);

    public static bool IsSymmetric(long[] begin, long[] end) => begin.SequenceEqual(end);

    /// <summary>Pads the trailing spatial axes of <paramref name="x"/> (N, C, spatial...) with a constant.</summary>
    public static Tensor PadSpatial(Tensor x, long[] begin, long[] end, double value)
    {
        int n = begin.Length;
        var torchPads = new long[2 * n];
        for (int i = 0; i < n; i++)
        {
            // torch lists the last axis first.
            torchPads[2 * i] = begin[n - 1 - i];
            torchPads[2 * i + 1] = end[n - 1 - i];
        }
        return F.pad(x, torchPads, PaddingModes.Constant, value);
    }

    public static long[] Spatial(Tensor x) => x.shape[2..];

    public static long[] Ones(int n) => Enumerable.Repeat(1L, n).ToArray();
}
