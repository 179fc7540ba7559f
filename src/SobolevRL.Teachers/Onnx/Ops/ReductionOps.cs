using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Onnx.Ops;

/// <summary>ReduceMean, ReduceMax and ReduceSum.</summary>
internal static class ReductionOps
{
    public static IEnumerable<OnnxOpDefinition> All() =>
    [
        new("ReduceMean", c => [Reduce(c, 18, (x, d, k) => x.mean(d, k))]),
        new("ReduceMax", c => [Reduce(c, 18, (x, d, k) => x.amax(d, k))]),
        new("ReduceSum", c => [Reduce(c, 13, (x, d, k) => x.sum(d, k))]),
    ];

    // Axes are an attribute until the opset where they become an optional input (13 for ReduceSum, 18 for
    // the others). No axes means all axes, unless noop_with_empty_axes = 1, which returns the input.
    static Tensor Reduce(OnnxOpContext c, int axesInputSince, Func<Tensor, long[], bool, Tensor> reduce)
    {
        Tensor x = c.Input(0);
        bool keep = c.Attributes.Int("keepdims", 1) == 1;
        long[]? axes = c.Opset < axesInputSince ? c.Attributes.Ints("axes") : c.HasInput(1) ? c.InputAsLongs(1) : null;
        if (axes is null || axes.Length == 0)
        {
            if (c.Attributes.Int("noop_with_empty_axes", 0) == 1)
            {
                return x.alias();
            }
            axes = Enumerable.Range(0, (int)x.dim()).Select(i => (long)i).ToArray();
        }
        if (axes.Length == 0)
        {
            return reduce(x.reshape(1), [0], false).reshape(x.shape);
        }
        return reduce(x, axes.Select(a => a < 0 ? a + x.dim() : a).ToArray(), keep);
    }
}
