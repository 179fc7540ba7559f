using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using SobolevRL.Hardware;

namespace SobolevRL.Sobolev;

/// <summary>
/// Input-gradient VJPs of a <see cref="Sequential"/> of Conv2d (zero padding), ReLU, Flatten and Linear layers, written as
/// explicit differentiable ops: ∂⟨c, y⟩/∂x = W₁ᵀ D₁ W₂ᵀ D₂ … W_Lᵀ c, with the ReLU masks D as constants, a matrix product
/// for each linear layer and, for each convolution, its transposed convolution (as a stride-1 convolution of the
/// space-to-depth layout when the kernel is divisible by the stride, as the Nature and MinAtar CNNs are).
/// </summary>
/// <remarks>
/// The result is the same function of the parameters and of c as autograd's <c>create_graph</c> input gradient (ReLU's
/// derivative is a constant mask in both), so a loss on it has the same parameter gradient (tests check both against
/// autograd and finite differences). The point is speed on CPU: differentiating it is an ordinary backward through
/// convolutions and matrix products, whereas libtorch's generic double backward of a convolution runs a dilated
/// convolution for the weight term, which like its transposed convolution loops over the batch on one thread; and the
/// input need not require grad, so the final backward skips the first layer's input gradient. Usage:
/// <see cref="Forward"/> once per batch, then <see cref="Vjp"/> for any number of cotangents of that batch.
/// </remarks>
public sealed class ExplicitInputGradients
{
    private readonly nn.Module<Tensor, Tensor>[] _layers;
    private readonly List<Func<Tensor, Tensor>> _backward = [];

    private ExplicitInputGradients(nn.Module<Tensor, Tensor>[] layers)
    {
        _layers = layers;
        HasStridedConvolution = layers.OfType<Conv2d>().Any(c => c.stride.Any(s => s > 1));
    }

    /// <summary>
    /// True when a convolution has a stride above 1: only then is this path faster than autograd's double backward (which
    /// otherwise uses ordinary kernels and fewer ops; MinAtar CNN student, measured: 4.6 vs 3.6 CPU ms per step).
    /// </summary>
    public bool HasStridedConvolution { get; }

    /// <summary>Returns the chain of <paramref name="network"/>, or null when it has a layer this class does not support.</summary>
    public static ExplicitInputGradients? TryCreate(nn.Module<Tensor, Tensor> network)
    {
        if (network is not Sequential sequential) return null;
        var layers = sequential.children().ToArray();
        if (layers.Length == 0) return null;
        var typed = new nn.Module<Tensor, Tensor>[layers.Length];
        for (int i = 0; i < layers.Length; i++)
        {
            bool supported = layers[i] switch
            {
                Conv2d c => c.padding_mode == PaddingModes.Zeros && c.padding_type is null,
                Linear or ReLU or Flatten => true,
                _ => false,
            };
            if (!supported) return null;
            typed[i] = (nn.Module<Tensor, Tensor>)layers[i];
        }
        return new ExplicitInputGradients(typed);
    }

    /// <summary>
    /// The network's output on <paramref name="input"/> (as <c>network.forward</c>, up to float rounding: a strided
    /// convolution whose kernel the stride divides runs as a stride-1 convolution of the space-to-depth input, which
    /// libtorch's CPU kernels compute faster, forward and backward), recording the ReLU masks and shapes that
    /// <see cref="Vjp"/> needs unless <paramref name="recordForVjp"/> is false. <paramref name="input"/> need not require grad.
    /// </summary>
    public Tensor Forward(Tensor input, bool recordForVjp = true)
    {
        _backward.Clear();
        var h = input;
        foreach (var layer in _layers)
        {
            var inputShape = h.shape;
            h = layer is Conv2d conv && PhaseLayout(conv) is { } s ? PhaseForward(h, conv, s) : layer.forward(h);
            if (!recordForVjp) continue;
            _backward.Add(layer switch
            {
                Conv2d c => ConvTranspose(c, inputShape, h.shape),
                Linear l => d => d.matmul(l.weight),
                ReLU => Mask(h.detach().GreaterThan(0)),
                _ => d => d.reshape([d.shape[0], .. inputShape[1..]]),
            });
        }
        return h;
    }

    /// <summary>
    /// ∂⟨c_k, y⟩/∂x for cotangents <paramref name="cotangents"/> shaped <c>[K, B, O]</c> (K per example, any K) at the input
    /// of the last <see cref="Forward"/>; result <c>[K, B, *in]</c>, differentiable in the parameters and the cotangents.
    /// </summary>
    public Tensor Vjp(Tensor cotangents)
    {
        if (_backward.Count == 0) throw new InvalidOperationException("Call Forward before Vjp.");
        long k = cotangents.shape[0];
        var d = cotangents.flatten(0, 1);
        for (int i = _backward.Count - 1; i >= 0; i--) d = _backward[i](d);
        return d.unflatten(0, [k, d.shape[0] / k]);
    }

    // The masks are [B, ...]; the cotangents are K stacked copies [K·B, ...].
    private static Func<Tensor, Tensor> Mask(Tensor positive) => d =>
    {
        long k = d.shape[0] / positive.shape[0];
        var mask = positive.to(d.dtype);
        return k == 1 ? d * mask : (d.unflatten(0, [k, positive.shape[0]]) * mask).flatten(0, 1);
    };

    // The stride s when a convolution can be written in the space-to-depth layout, else null.
    private static long? PhaseLayout(Conv2d conv) =>
        SpaceToDepthConvolution.Stride(conv.stride, conv.dilation, conv.kernel_size, conv.groups);

    private static Tensor PhaseForward(Tensor h, Conv2d conv, long s) =>
        s == 1 ? conv.forward(h) : SpaceToDepthConvolution.Forward(h, conv.weight!, conv.bias, s, conv.padding ?? [0, 0]);

    // The input gradient of a convolution is the transposed convolution with the same weights; output_padding restores
    // the input rows and columns the strided convolution did not reach.
    private static Func<Tensor, Tensor> ConvTranspose(Conv2d conv, long[] inputShape, long[] outputShape)
    {
        long[] stride = conv.stride, padding = conv.padding ?? [0, 0], dilation = conv.dilation, kernel = conv.kernel_size;
        if (PhaseLayout(conv) is { } s)
            return d => PhaseInputGradient(d, conv.weight!, s, padding, inputShape);
        var outputPadding = new long[2];
        for (int i = 0; i < 2; i++)
        {
            long reached = (outputShape[2 + i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel[i] - 1) + 1;
            outputPadding[i] = inputShape[2 + i] - reached;
        }
        return d => nn.functional.conv_transpose2d(d, conv.weight, null, stride, padding, outputPadding, dilation, conv.groups);
    }

    // The same transposed convolution written with a stride-1 convolution, which libtorch's CPU kernels run in parallel
    // over the batch (its transposed and dilated convolutions loop over the batch on one thread): the input gradient of
    // the space-to-depth form (SpaceToDepthConvolution.Weights) is a full correlation of the cotangent with the flipped, transposed W', and
    // pixel_shuffle maps it back to the padded input; rows the convolution never reached get zeros, then the padding is
    // cut off.
    private static Tensor PhaseInputGradient(Tensor d, Tensor weight, long s, long[] padding, long[] inputShape)
    {
        long k0 = weight.shape[2] / s, k1 = weight.shape[3] / s;
        var phases = SpaceToDepthConvolution.Weights(weight, s);
        var full = nn.functional.conv2d(d, phases.flip(2, 3).transpose(0, 1), null, null, [k0 - 1, k1 - 1]);
        var g = nn.functional.pixel_shuffle(full, s);
        long rows = inputShape[2] + 2 * padding[0], cols = inputShape[3] + 2 * padding[1];
        if (g.shape[2] < rows || g.shape[3] < cols) g = nn.functional.pad(g, [0, cols - g.shape[3], 0, rows - g.shape[2]]);
        return g.narrow(2, padding[0], inputShape[2]).narrow(3, padding[1], inputShape[3]);
    }
}
