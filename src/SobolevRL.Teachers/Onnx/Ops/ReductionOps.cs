using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Onnx.Ops;

/// <summary>ReduceMean, ReduceMax, ReduceSum and CumSum.</summary>
internal static class ReductionOps
{
    public static IEnumerable<OnnxOpDefinition> All() =>
    [
        new("CumSum", CumSum),
        new("ReduceMean", c => [Reduce(c, 18, (x, d, k) => x.mean(d, k))]),
        new("ReduceMax", c => [Reduce(c, 18, (x, d, k) => x.amax(d, k))]),
        new("ReduceSum", c => [Reduce(c, 13, (x, d, k) => x.sum(d, k))]),
    ];

    // Running sum along the axis input; reverse sums from the end, exclusive leaves each element out of its own sum
    // (shifting the inclusive sums by one, so no subtraction rounds it). The input's element type is kept.
    static Tensor[] CumSum(OnnxOpContext c)
    {
        Tensor x = c.Input(0);
        long axis = c.InputAsLongs(1)[0];
        axis = axis < 0 ? axis + x.dim() : axis;
        bool reverse = c.Attributes.Int("reverse", 0) == 1, exclusive = c.Attributes.Int("exclusive", 0) == 1;
        Tensor input = reverse ? x.flip(axis) : x;
        Tensor sums = input.cumsum(axis, type: x.dtype);
        long n = x.shape[axis];
        if (exclusive && n > 0) sums = torch.cat([torch.zeros_like(sums.narrow(axis, 0, 1)), sums.narrow(axis, 0, n - 1)], axis);
        return [reverse ? sums.flip(axis) : sums];
    }

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
