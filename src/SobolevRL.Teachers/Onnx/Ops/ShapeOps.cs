using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Onnx.Ops;

/// <summary>
/// Operators that rearrange a tensor's shape: Shape, Flatten, Reshape, Transpose, Squeeze, Unsqueeze, Expand, Tile.
/// Shapes are read from the tensors of the current run, so a dynamic batch dimension flows through.
/// </summary>
internal static class ShapeOps
{
    public static IEnumerable<OnnxOpDefinition> All() =>
    [
        new("Shape", Shape),
        new("Flatten", Flatten),
        new("Reshape", Reshape),
        new("Transpose", Transpose),
        new("Squeeze", Squeeze),
        new("Unsqueeze", Unsqueeze),
        new("Expand", Expand),
        new("Tile", c => [c.Input(0).tile(c.InputAsLongs(1))]),
    ];

    // Broadcasts the input against the shape input in both directions (numpy rules): a 1 on either side takes the other size.
    static Tensor[] Expand(OnnxOpContext c)
    {
        Tensor x = c.Input(0);
        long[] shape = c.InputAsLongs(1);
        int rank = (int)Math.Max(x.dim(), shape.Length);
        var result = new long[rank];
        for (int i = 1; i <= rank; i++)
        {
            long a = i <= x.dim() ? x.shape[^i] : 1, b = i <= shape.Length ? shape[^i] : 1;
            result[^i] = a == 1 ? b : b == 1 || b == a ? a : throw c.Error($"shape [{string.Join(",", shape)}] does not broadcast with input [{string.Join(",", x.shape)}]");
        }
        return [x.expand(result)];
    }

    // The input's shape as an int64 tensor on the same device; opset 15 adds an optional [start, end) slice.
    static Tensor[] Shape(OnnxOpContext c)
    {
        Tensor x = c.Input(0);
        long rank = x.dim();
        long start = Clamp(c.Attributes.Int("start", 0), rank);
        long end = Clamp(c.Attributes.Int("end", rank), rank);
        long[] dims = x.shape[(int)start..(int)Math.Max(start, end)];
        return [torch.tensor(dims, dtype: ScalarType.Int64, device: x.device)];
    }

    static long Clamp(long axis, long rank) => Math.Clamp(axis < 0 ? axis + rank : axis, 0, rank);

    static Tensor[] Flatten(OnnxOpContext c)
    {
        Tensor x = c.Input(0);
        long rank = x.dim();
        long axis = c.Attributes.Int("axis", 1);
        axis = axis < 0 ? axis + rank : axis;
        long outer = 1, inner = 1;
        for (int i = 0; i < rank; i++)
        {
            if (i < axis)
            {
                outer *= x.shape[i];
            }
            else
            {
                inner *= x.shape[i];
            }
        }
        return [x.reshape(outer, inner)];
    }

    // 0 copies the input's dimension (unless allowzero = 1), -1 is inferred.
    static Tensor[] Reshape(OnnxOpContext c)
    {
        Tensor x = c.Input(0);
        long[] shape = c.InputAsLongs(1);
        bool allowZero = c.Attributes.Int("allowzero", 0) == 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 0 && !allowZero)
            {
                if (i >= x.dim())
                {
                    throw c.Error($"shape entry {i} is 0 (copy) but the input has only {x.dim()} dimensions");
                }
                shape[i] = x.shape[i];
            }
        }
        return [x.reshape(shape)];
    }

    static Tensor[] Transpose(OnnxOpContext c)
    {
        Tensor x = c.Input(0);
        long[] perm = c.Attributes.Ints("perm") ?? Enumerable.Range(0, (int)x.dim()).Reverse().Select(i => (long)i).ToArray();
        return [x.permute(perm)];
    }

    // Axes are an attribute before opset 13 and an optional input from 13 on.
    static long[]? Axes(OnnxOpContext c, int inputIndex) =>
        c.Opset < 13 ? c.Attributes.Ints("axes") : c.HasInput(inputIndex) ? c.InputAsLongs(inputIndex) : null;

    static Tensor[] Squeeze(OnnxOpContext c)
    {
        Tensor x = c.Input(0);
        long rank = x.dim();
        long[]? axes = Axes(c, 1);
        if (axes is null)
        {
            axes = Enumerable.Range(0, (int)rank).Where(i => x.shape[i] == 1).Select(i => (long)i).ToArray();
        }
        List<long> keep = [];
        var drop = axes.Select(a => a < 0 ? a + rank : a).ToHashSet();
        for (int i = 0; i < rank; i++)
        {
            if (!drop.Contains(i))
            {
                keep.Add(x.shape[i]);
            }
            else if (x.shape[i] != 1)
            {
                throw c.Error($"cannot squeeze axis {i} of size {x.shape[i]}");
            }
        }
        return [x.reshape(keep.ToArray())];
    }

    static Tensor[] Unsqueeze(OnnxOpContext c)
    {
        Tensor x = c.Input(0);
        long[] axes = Axes(c, 1) ?? throw c.Error("axes are missing");
        long outRank = x.dim() + axes.Length;
        var inserted = axes.Select(a => a < 0 ? a + outRank : a).ToHashSet();
        var shape = new long[outRank];
        int source = 0;
        for (int i = 0; i < outRank; i++)
        {
            shape[i] = inserted.Contains(i) ? 1 : x.shape[source++];
        }
        return [x.reshape(shape)];
    }
}
