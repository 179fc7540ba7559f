using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Sobolev;

/// <summary>
/// A 2-D convolution whose stride s divides its kernel, computed as a stride-1 convolution of the input's space-to-depth
/// rearrangement (<c>pixel_unshuffle</c> by s) with rearranged weights: the same function up to float rounding, which
/// libtorch's native CPU kernels run faster (forward and weight gradient) than the strided original, because the stride-1
/// kernel unfolds fewer, longer rows (the Nature CNN's 8×8/4 and 4×4/2 convolutions; docs/performance.md). Used by the
/// student's step (<see cref="ExplicitInputGradients"/>); teacher labelling keeps ordinary convolutions, for which this form
/// measured 5% slower (session 7).
/// </summary>
public static class SpaceToDepthConvolution
{
    /// <summary>
    /// The stride s when a convolution with these settings can be written in the space-to-depth layout (one group, no
    /// dilation, equal strides that divide the kernel; 1 for a stride-1 convolution, whose layout is its own), else null.
    /// </summary>
    public static long? Stride(long[] stride, long[] dilation, long[] kernel, long groups)
    {
        bool phased = stride.Length == 2 && groups == 1 && dilation.All(d => d == 1) && stride[0] == stride[1]
            && kernel.All(k => k % stride[0] == 0);
        return phased ? stride[0] : null;
    }

    /// <summary>
    /// The weights of the stride-1 form: W'[o, (c, α, β), a, b] = W[o, c, s·a + α, s·b + β], shaped
    /// <c>[O, C·s², k₀/s, k₁/s]</c>.
    /// </summary>
    public static Tensor Weights(Tensor weight, long s)
    {
        long o = weight.shape[0], c = weight.shape[1], k0 = weight.shape[2] / s, k1 = weight.shape[3] / s;
        return weight.reshape(o, c, k0, s, k1, s).permute(0, 1, 3, 5, 2, 4).reshape(o, c * s * s, k0, k1);
    }

    /// <summary>
    /// The stride-s convolution of <paramref name="input"/> (<c>[B, C, H, W]</c>) with zero padding
    /// <paramref name="padding"/> (rows, columns): zero-pad, drop the last rows and columns that no output reaches (fewer
    /// than s), rearrange, convolve with stride 1. The output size floor((H + 2p)/s) − k/s + 1 = floor((H + 2p − k)/s) + 1
    /// is the original's.
    /// </summary>
    public static Tensor Forward(Tensor input, Tensor weight, Tensor? bias, long s, long[] padding)
    {
        var h = input;
        if (padding[0] != 0 || padding[1] != 0) h = nn.functional.pad(h, [padding[1], padding[1], padding[0], padding[0]]);
        long rows = h.shape[2] / s * s, cols = h.shape[3] / s * s;
        if (rows != h.shape[2]) h = h.narrow(2, 0, rows);
        if (cols != h.shape[3]) h = h.narrow(3, 0, cols);
        return nn.functional.conv2d(nn.functional.pixel_unshuffle(h, s), Weights(weight, s), bias);
    }
}
