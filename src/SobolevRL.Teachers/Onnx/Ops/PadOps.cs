using SobolevRL.Onnx.Proto;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SobolevRL.Onnx.Ops;

/// <summary>Pad in constant, reflect and edge modes (any rank; negative pads crop).</summary>
internal static class PadOps
{
    public static IEnumerable<OnnxOpDefinition> All() => [new("Pad", Pad, CheckPad)];

    static string? CheckPad(NodeProto node, OnnxNodeAttributes attributes, int opset)
    {
        string mode = attributes.String("mode", "constant");
        return mode is "constant" or "reflect" or "edge" ? null : $"mode '{mode}' (constant, reflect and edge are supported)";
    }

    // pads = [x1_begin, x2_begin, ..., x1_end, x2_end]: an attribute before opset 11, an input from 11 on
    // (with optional constant_value and, from 18, axes inputs).
    static Tensor[] Pad(OnnxOpContext c)
    {
        Tensor x = c.Input(0);
        int rank = (int)x.dim();
        string mode = c.Attributes.String("mode", "constant");
        long[] pads;
        double value;
        long[] axes = Enumerable.Range(0, rank).Select(i => (long)i).ToArray();
        if (c.Opset < 11)
        {
            pads = c.Attributes.Ints("pads") ?? throw c.Error("'pads' is missing");
            value = c.Attributes.Float("value", 0f);
        }
        else
        {
            pads = c.InputAsLongs(1);
            value = c.HasInput(2) ? c.InputAsDouble(2) : 0;
            if (c.HasInput(3))
            {
                axes = c.InputAsLongs(3).Select(a => a < 0 ? a + rank : a).ToArray();
            }
        }
        if (pads.Length != 2 * axes.Length)
        {
            throw c.Error($"'pads' has {pads.Length} entries, expected {2 * axes.Length}");
        }
        var begin = new long[rank];
        var end = new long[rank];
        for (int i = 0; i < axes.Length; i++)
        {
            begin[axes[i]] = pads[i];
            end[axes[i]] = pads[axes.Length + i];
        }
        if (mode == "constant")
        {
            var torchPads = new long[2 * rank];
            for (int i = 0; i < rank; i++)
            {
                torchPads[2 * i] = begin[rank - 1 - i];
                torchPads[2 * i + 1] = end[rank - 1 - i];
            }
            return [F.pad(x, torchPads, PaddingModes.Constant, value)];
        }
        Tensor y = x;
        for (int axis = 0; axis < rank; axis++)
        {
            if (begin[axis] != 0 || end[axis] != 0)
            {
                y = GatherPadded(y, axis, begin[axis], end[axis], mode == "reflect");
            }
        }
        return [ReferenceEquals(y, x) ? x.alias() : y];
    }

    // Builds the source index of every output cell along one axis and gathers them.
    static Tensor GatherPadded(Tensor x, int axis, long begin, long end, bool reflect)
    {
        long n = x.shape[axis];
        long length = n + begin + end;
        var index = new long[length];
        for (long i = 0; i < length; i++)
        {
            long source = i - begin;
            if (reflect && n > 1)
            {
                long period = 2 * (n - 1);
                source = ((source % period) + period) % period;
                source = source < n ? source : period - source;
            }
            index[i] = Math.Clamp(source, 0, n - 1);
        }
        using Tensor indices = torch.tensor(index, dtype: ScalarType.Int64, device: x.device);
        return x.index_select(axis, indices);
    }
}
