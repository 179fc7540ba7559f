using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Onnx.Ops;

/// <summary>Concat and Split.</summary>
internal static class JoinSplitOps
{
    public static IEnumerable<OnnxOpDefinition> All() =>
    [
        new("Concat", c => [torch.cat(c.Inputs.Select((t, i) => t ?? c.Input(i)).ToArray(), c.Attributes.Int("axis", c.Opset < 4 ? 1 : 0))]),
        new("Split", Split),
    ];

    // Sizes come from the 'split' attribute (before opset 13), the optional 'split' input (13+), the
    // 'num_outputs' attribute (18+), or an equal split over the declared outputs.
    static Tensor[] Split(OnnxOpContext c)
    {
        Tensor x = c.Input(0);
        long axis = c.Attributes.Int("axis", 0);
        axis = axis < 0 ? axis + x.dim() : axis;
        long length = x.shape[axis];
        long[]? sizes = c.Opset < 13 ? c.Attributes.Ints("split") : c.HasInput(1) ? c.InputAsLongs(1) : null;
        if (sizes is null || sizes.Length == 0)
        {
            long parts = c.Attributes.Int("num_outputs", c.OutputCount);
            long chunk = (length + parts - 1) / parts;
            sizes = new long[parts];
            for (long i = 0; i < parts; i++)
            {
                sizes[i] = Math.Max(0, Math.Min(chunk, length - i * chunk));
            }
        }
        if (sizes.Sum() != length)
        {
            throw c.Error($"split sizes [{string.Join(",", sizes)}] do not add up to the axis length {length}");
        }
        return x.split(sizes, axis);
    }
}
