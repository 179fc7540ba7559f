using SobolevRL.Onnx.Proto;
using static TorchSharp.torch;

namespace SobolevRL.Onnx.Ops;

/// <summary>
/// Upsample (opsets 7–9) and Resize (10 on) in nearest mode, what <c>nn.Upsample</c> / <c>F.interpolate(mode="nearest")</c>
/// exports: every output cell copies one input cell, chosen per axis by the coordinate transformation and nearest mode,
/// so the input-gradient is the scatter-add of the output-gradient (index_select).
/// </summary>
internal static class ResizeOps
{
    public static IEnumerable<OnnxOpDefinition> All() => [new("Upsample", Resize, Check), new("Resize", Resize, Check)];

    static readonly string[] Transforms = ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn"];
    static readonly string[] NearestModes = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"];

    static string? Check(NodeProto node, OnnxNodeAttributes attributes, int opset)
    {
        string mode = attributes.String("mode", "nearest");
        if (mode != "nearest") return $"mode '{mode}' (nearest is supported; re-export with mode='nearest' or ask for {mode})";
        string transform = attributes.String("coordinate_transformation_mode", "half_pixel");
        if (!Transforms.Contains(transform)) return $"coordinate_transformation_mode '{transform}' (supported: {string.Join(", ", Transforms)})";
        string nearest = attributes.String("nearest_mode", "round_prefer_floor");
        if (!NearestModes.Contains(nearest)) return $"nearest_mode '{nearest}' (supported: {string.Join(", ", NearestModes)})";
        if (attributes.Int("antialias", 0) != 0) return "antialias";
        if (attributes.Ints("axes") is not null) return "attribute 'axes'";
        if (attributes.String("keep_aspect_ratio_policy", "stretch") != "stretch") return "keep_aspect_ratio_policy other than stretch";
        return null;
    }

    static Tensor[] Resize(OnnxOpContext c)
    {
        Tensor x = c.Input(0);
        int rank = (int)x.dim();
        // Before Resize-11 (Upsample, Resize-10): scales only, asymmetric coordinates, floor (ONNX Runtime's behaviour
        // for those opsets when upsampling, and what PyTorch's nearest interpolation computes).
        bool legacy = c.Node.OpType == "Upsample" || c.Opset < 11;
        double[] scales;
        long[]? sizes = null;
        if (c.Node.OpType == "Upsample" && c.Opset < 9)
            scales = (c.Attributes.Floats("scales") ?? throw c.Error("'scales' is missing")).Select(s => (double)s).ToArray();
        else if (legacy)
            scales = Doubles(c.Input(1));
        else if (c.HasInput(3) && c.Input(3).numel() > 0)
        {
            sizes = c.InputAsLongs(3);
            scales = sizes.Select((s, i) => (double)s / x.shape[i]).ToArray();
        }
        else
            scales = Doubles(c.Input(2));
        if (scales.Length != rank || sizes is not null && sizes.Length != rank)
            throw c.Error($"needs one scale or size per axis of its rank-{rank} input, got {scales.Length}");
        string transform = legacy ? "asymmetric" : c.Attributes.String("coordinate_transformation_mode", "half_pixel");
        string nearest = legacy ? "floor" : c.Attributes.String("nearest_mode", "round_prefer_floor");
        Tensor y = x;
        for (int axis = 0; axis < rank; axis++)
        {
            long n = x.shape[axis];
            long m = sizes?[axis] ?? (long)Math.Floor(n * scales[axis]);
            if (m == n && scales[axis] == 1) continue;
            var index = new long[m];
            for (long o = 0; o < m; o++)
            {
                double source = Source(transform, o, scales[axis], n, m);
                long k = nearest switch
                {
                    "floor" => (long)Math.Floor(source),
                    "ceil" => (long)Math.Ceiling(source),
                    "round_prefer_ceil" => (long)Math.Floor(source + 0.5),
                    _ => (long)Math.Ceiling(source - 0.5),
                };
                index[o] = Math.Clamp(k, 0, n - 1);
            }
            using Tensor indices = tensor(index, device: x.device);
            y = y.index_select(axis, indices);
        }
        return [ReferenceEquals(y, x) ? x.alias() : y];
    }

    // The input coordinate of output coordinate o along an axis of input length n and output length m.
    static double Source(string transform, long o, double scale, long n, long m) => transform switch
    {
        "half_pixel" => (o + 0.5) / scale - 0.5,
        "pytorch_half_pixel" => m > 1 ? (o + 0.5) / scale - 0.5 : 0,
        "align_corners" => m == 1 ? 0 : o * (n - 1) / (double)(m - 1),
        "tf_half_pixel_for_nn" => (o + 0.5) / scale,
        _ => o / scale,
    };

    static double[] Doubles(Tensor t)
    {
        using Tensor c = t.detach().cpu().to(ScalarType.Float64).contiguous();
        return c.data<double>().ToArray();
    }
}
