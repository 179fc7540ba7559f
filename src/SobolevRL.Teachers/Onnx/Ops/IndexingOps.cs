using TorchSharp;
using static TorchSharp.torch;
using SobolevRL.Hardware;

namespace SobolevRL.Onnx.Ops;

/// <summary>Slice, Gather and Where.</summary>
internal static class IndexingOps
{
    public static IEnumerable<OnnxOpDefinition> All() =>
    [
        new("Slice", Slice),
        new("Gather", Gather),
        // Elementwise choice with broadcasting; the gradient flows into the chosen input only.
        new("Where", c => [torch.where(c.Input(0).to(ScalarType.Bool), c.Input(1), c.Input(2))]),
    ];

    // starts/ends/axes are attributes before opset 10 and inputs (with optional steps) from 10 on.
    static Tensor[] Slice(OnnxOpContext c)
    {
        Tensor x = c.Input(0);
        long rank = x.dim();
        long[] starts, ends;
        long[]? axes, steps = null;
        if (c.Opset < 10)
        {
            starts = c.Attributes.Ints("starts") ?? throw c.Error("'starts' is missing");
            ends = c.Attributes.Ints("ends") ?? throw c.Error("'ends' is missing");
            axes = c.Attributes.Ints("axes");
        }
        else
        {
            starts = c.InputAsLongs(1);
            ends = c.InputAsLongs(2);
            axes = c.HasInput(3) ? c.InputAsLongs(3) : null;
            steps = c.HasInput(4) ? c.InputAsLongs(4) : null;
        }
        axes ??= Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        Tensor y = x;
        for (int i = 0; i < starts.Length; i++)
        {
            long axis = axes[i] < 0 ? axes[i] + rank : axes[i];
            long step = steps is null ? 1 : steps[i];
            if (step == 0)
            {
                throw c.Error("a slice step is 0");
            }
            y = SliceAxis(y, axis, starts[i], ends[i], step);
        }
        return [ReferenceEquals(y, x) ? x.alias() : y];
    }

    static Tensor SliceAxis(Tensor x, long axis, long start, long end, long step)
    {
        long n = x.shape[axis];
        start = start < 0 ? start + n : start;
        end = end < 0 ? end + n : end;
        if (step > 0)
        {
            start = Math.Clamp(start, 0, n);
            end = Math.Clamp(end, 0, n);
            return x.slice(axis, start, Math.Max(start, end), step);
        }
        start = Math.Clamp(start, 0, n - 1);
        end = Math.Clamp(end, -1, n - 1);
        var indices = new List<long>();
        for (long i = start; i > end; i += step)
        {
            indices.Add(i);
        }
        using Tensor index = torch.tensor(indices.ToArray(), dtype: ScalarType.Int64, device: x.device);
        return x.index_select(axis, index);
    }

    // Output shape: data.shape[:axis] + indices.shape + data.shape[axis+1:]; negative indices count from the end.
    static Tensor[] Gather(OnnxOpContext c)
    {
        Tensor data = c.Input(0), indices = c.Input(1).to(ScalarType.Int64);
        long rank = data.dim();
        long axis = c.Attributes.Int("axis", 0);
        axis = axis < 0 ? axis + rank : axis;
        long n = data.shape[axis];
        Tensor wrapped = torch.where(indices.LessThan(0), indices.Plus(n), indices);
        Tensor picked = data.index_select(axis, wrapped.flatten());
        long[] shape = [.. data.shape[..(int)axis], .. indices.shape, .. data.shape[(int)(axis + 1)..]];
        return [picked.reshape(shape)];
    }
}
