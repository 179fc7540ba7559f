using Google.Protobuf;
using SobolevRL.Hardware;
using SobolevRL.Onnx;
using SobolevRL.Onnx.Proto;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Onnx;

/// <summary>
/// Operators whose attributes became inputs (or whose semantics changed) across opsets 11–20, checked against
/// ONNX Runtime on single-node models (the Debian node tests only cover each operator's newest version).
/// Tolerance |a − e| ≤ 1e-5·|e| + 1e-6.
/// </summary>
public class OnnxOpsetSemanticsTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("sobolevrl-onnx-opsets-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    static AttributeProto Text(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    static TensorProto Longs(string name, params long[] values) =>
        new() { Name = name, DataType = (int)TensorProto.Types.DataType.Int64, Dims = { values.Length }, Int64Data = { values } };

    static TensorProto Scalar(string name, float value) =>
        new() { Name = name, DataType = (int)TensorProto.Types.DataType.Float, FloatData = { value } };

    static ValueInfoProto Float(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }));
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } };
    }

    sealed record Case(string Op, int Opset, long[] InputShape, string[] Inputs, AttributeProto[] Attributes, TensorProto[] Initializers, int Outputs = 1);

    static readonly Dictionary<string, Case> Cases = new()
    {
        ["softmax_op11_coerced_2d"] = new("Softmax", 11, [2, 3, 4], ["x"], [Int("axis", 1)], []),
        ["logsoftmax_op11_default_axis"] = new("LogSoftmax", 11, [2, 3, 4], ["x"], [], []),
        ["softmax_op13_axis1"] = new("Softmax", 13, [2, 3, 4], ["x"], [Int("axis", 1)], []),
        ["squeeze_op11_attribute"] = new("Squeeze", 11, [2, 1, 3], ["x"], [Ints("axes", 1)], []),
        ["squeeze_op13_input"] = new("Squeeze", 13, [2, 1, 3], ["x", "axes"], [], [Longs("axes", -2)]),
        ["unsqueeze_op11_attribute"] = new("Unsqueeze", 11, [2, 3], ["x"], [Ints("axes", 0, 3)], []),
        ["reducesum_op11_attribute"] = new("ReduceSum", 11, [2, 3, 4], ["x"], [Ints("axes", 1), Int("keepdims", 0)], []),
        ["reducesum_op13_input"] = new("ReduceSum", 13, [2, 3, 4], ["x", "axes"], [], [Longs("axes", -1)]),
        ["reducemean_op11_attribute"] = new("ReduceMean", 11, [2, 3, 4], ["x"], [Ints("axes", 0, 2)], []),
        ["reducemax_op11_all_axes"] = new("ReduceMax", 11, [2, 3, 4], ["x"], [Int("keepdims", 0)], []),
        ["split_op11_attribute"] = new("Split", 11, [2, 5], ["x"], [Int("axis", 1), Ints("split", 2, 3)], [], 2),
        ["split_op13_input"] = new("Split", 13, [2, 5], ["x", "split"], [Int("axis", 1)], [Longs("split", 4, 1)], 2),
        ["clip_op11_inputs"] = new("Clip", 11, [2, 3], ["x", "lo", "hi"], [], [Scalar("lo", 0.2f), Scalar("hi", 0.7f)]),
        ["pad_op11_reflect"] = new("Pad", 11, [1, 2, 4, 4], ["x", "pads"], [Text("mode", "reflect")], [Longs("pads", 0, 0, 1, 2, 0, 0, 2, 1)]),
        ["pad_op11_edge"] = new("Pad", 11, [1, 2, 4, 4], ["x", "pads"], [Text("mode", "edge")], [Longs("pads", 0, 0, 2, 0, 0, 0, 1, 3)]),
        ["maxpool_op11_asymmetric_pads_ceil"] = new("MaxPool", 11, [1, 2, 7, 7], ["x"], [Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 0, 1, 1, 0), Int("ceil_mode", 1)], []),
        ["averagepool_op11_pads_exclude"] = new("AveragePool", 11, [1, 2, 6, 6], ["x"], [Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1)], []),
        ["conv_op11_same_upper"] = new("Conv", 11, [1, 2, 7, 7], ["x", "w"], [Text("auto_pad", "SAME_UPPER"), Ints("strides", 2, 2)],
            [new TensorProto { Name = "w", DataType = 1, Dims = { 3, 2, 2, 2 }, FloatData = { Enumerable.Range(0, 24).Select(i => (i % 7 - 3) / 5f) } }]),
        ["flatten_op11_axis2"] = new("Flatten", 11, [2, 3, 4], ["x"], [Int("axis", 2)], []),
        // Operators PyTorch exports for nn.LayerNorm, GELU (Erf), Hardswish, torch.where, expand, repeat and cumsum (issue 19).
        ["layernorm_op17_last_axis"] = new("LayerNormalization", 17, [2, 3, 4], ["x", "scale", "bias"], [Int("axis", -1)], [Floats("scale", 4), Floats("bias", 4)]),
        ["layernorm_op17_axis1_statistics"] = new("LayerNormalization", 17, [2, 3, 4], ["x", "scale"], [Int("axis", 1), Float("epsilon", 1e-3f)], [Floats("scale", 3, 4)], 3),
        ["erf_op13"] = new("Erf", 13, [2, 5], ["x"], [], []),
        ["hardswish_op14"] = new("HardSwish", 14, [2, 5], ["x"], [], []),
        ["where_op16_broadcast"] = new("Where", 16, [2, 3], ["condition", "x", "other"], [], [Bools("condition", true, false, true), Floats("other", 2, 1)]),
        ["expand_op13_bidirectional"] = new("Expand", 13, [3, 1], ["x", "shape"], [], [Longs("shape", 2, 1, 4)]),
        ["tile_op13"] = new("Tile", 13, [2, 3], ["x", "repeats"], [], [Longs("repeats", 2, 3)]),
        ["cumsum_op14"] = new("CumSum", 14, [2, 4], ["x", "axis"], [], [Long0d("axis", 1)]),
        ["cumsum_op14_exclusive_reverse"] = new("CumSum", 14, [2, 4], ["x", "axis"], [Int("exclusive", 1), Int("reverse", 1)], [Long0d("axis", -1)]),
        // Gelu (opset 20), Softplus without temporary Scalars, Einsum's two-operand forms (issue 19).
        ["gelu_op20"] = new("Gelu", 20, [2, 5], ["x"], [], []),
        ["gelu_op20_tanh"] = new("Gelu", 20, [2, 5], ["x"], [Text("approximate", "tanh")], []),
        ["softplus_op1"] = new("Softplus", 17, [2, 5], ["x"], [], []),
        ["einsum_op12_linear"] = new("Einsum", 12, [2, 3], ["x", "w"], [Text("equation", "bi,ij->bj")], [Floats("w", 3, 4)]),
        ["einsum_op12_batch_bilinear"] = new("Einsum", 12, [2, 3, 4], ["x", "w"], [Text("equation", "bij, jk -> bik")], [Floats("w", 4, 2)]),
        ["einsum_op12_outer_implicit"] = new("Einsum", 12, [2, 3], ["x", "w"], [Text("equation", "bi,k")], [Floats("w", 2)]),
        ["einsum_op12_ellipsis_dot"] = new("Einsum", 12, [2, 3, 4], ["x", "w"], [Text("equation", "...j,...j->...")], [Floats("w", 2, 3, 4)]),
    };

    static TensorProto Floats(string name, params long[] dims)
    {
        long count = dims.Aggregate(1L, (a, d) => a * d);
        return new() { Name = name, DataType = 1, Dims = { dims }, FloatData = { Enumerable.Range(0, (int)count).Select(i => 0.5f + (i % 5) / 4f) } };
    }

    static TensorProto Bools(string name, params bool[] values) =>
        new() { Name = name, DataType = (int)TensorProto.Types.DataType.Bool, Dims = { values.Length }, Int32Data = { values.Select(b => b ? 1 : 0) } };

    static TensorProto Long0d(string name, long value) => new() { Name = name, DataType = (int)TensorProto.Types.DataType.Int64, Int64Data = { value } };

    static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>Cases whose operator is differentiable in x: their input-gradients are checked against finite differences.</summary>
    static readonly string[] Differentiable =
        ["layernorm_op17_last_axis", "layernorm_op17_axis1_statistics", "erf_op13", "hardswish_op14",
         "where_op16_broadcast", "expand_op13_bidirectional", "tile_op13", "cumsum_op14", "cumsum_op14_exclusive_reverse",
         "gelu_op20", "gelu_op20_tanh", "softplus_op1", "einsum_op12_linear", "einsum_op12_batch_bilinear", "einsum_op12_outer_implicit", "einsum_op12_ellipsis_dot"];

    public static TheoryData<string> DifferentiableNames() => [.. Differentiable];

    public static TheoryData<string> CaseNames() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MatchesOnnxRuntime(string name)
    {
        string path = WriteModel(name);
        Case c = Cases[name];
        using var scope = NewDisposeScope();
        float[] x = Input(name);
        using var ort = new OrtReference(path);
        Dictionary<string, float[]> expected = ort.Run(x, c.InputShape);
        using OnnxGraph rebuilt = OnnxGraph.Load(path, CPU);
        var actual = rebuilt.Forward(torch.tensor(x, c.InputShape));
        foreach (var (output, values) in expected)
        {
            TensorAssert.Close(torch.tensor(values, ort.LastShapes[output]), actual[output], 1e-5, 1e-6, $"{name} {output}");
        }
    }

    /// <summary>
    /// ⟨∂⟨v, y⟩/∂x, u⟩ by autograd through the rebuilt node against the central difference (⟨v, y(x + hu)⟩ − ⟨v, y(x − hu)⟩)/2h
    /// (float32, h = 1e-2, three random unit directions u and weightings v of every output). Truncation error is
    /// O(h²) ≈ 1e-4 of the third derivative and rounding ≈ 1e-7·|⟨v, y⟩|/h, far below the tolerance
    /// 2e-3·(1 + |FD|); a wrong gradient (missing term, wrong branch) is off by O(1).
    /// </summary>
    [Theory]
    [MemberData(nameof(DifferentiableNames))]
    public void InputGradientMatchesFiniteDifferences(string name)
    {
        Case c = Cases[name];
        using OnnxGraph rebuilt = OnnxGraph.Load(WriteModel(name), CPU);
        using var scope = NewDisposeScope();
        var random = new Random(7);
        Tensor x0 = torch.tensor(Input(name), c.InputShape);
        const double h = 1e-2;
        for (int trial = 0; trial < 3; trial++)
        {
            var weights = new Dictionary<string, Tensor>();
            Tensor? lastTotal = null;
            double Objective(Tensor x)
            {
                var outputs = rebuilt.Forward(x);
                Tensor total = torch.zeros([], ScalarType.Float64);
                foreach (var (output, y) in outputs)
                {
                    if (!weights.TryGetValue(output, out Tensor? v))
                        weights[output] = v = torch.tensor(Enumerable.Range(0, (int)y.numel()).Select(_ => random.NextSingle() * 2 - 1).ToArray(), y.shape);
                    total = total.Plus(y.mul(v).sum().to(ScalarType.Float64));
                }
                lastTotal = total;
                return total.item<double>();
            }
            Tensor u = torch.tensor(Enumerable.Range(0, (int)x0.numel()).Select(_ => random.NextSingle() * 2 - 1).ToArray(), c.InputShape);
            u = u.div(u.norm());
            Tensor x = x0.clone().requires_grad_(true);
            Objective(x);
            Tensor gradient = torch.autograd.grad([lastTotal!], [x])[0];
            double analytic = gradient.mul(u).sum().item<float>();
            using (torch.no_grad())
            {
                double fd = (Objective(x0.Plus(u.Times(h))) - Objective(x0.Plus(u.Times(-h)))) / (2 * h);
                Assert.True(Math.Abs(analytic - fd) <= 2e-3 * (1 + Math.Abs(fd)), $"{name} trial {trial}: autograd {analytic}, finite difference {fd}");
            }
        }
    }

    string WriteModel(string name)
    {
        Case c = Cases[name];
        var graph = new GraphProto { Name = name };
        graph.Input.Add(Float("x", c.InputShape));
        graph.Initializer.AddRange(c.Initializers);
        var node = new NodeProto { OpType = c.Op, Name = name, Input = { c.Inputs } };
        node.Attribute.AddRange(c.Attributes);
        for (int i = 0; i < c.Outputs; i++)
        {
            node.Output.Add($"y{i}");
            graph.Output.Add(new ValueInfoProto { Name = $"y{i}", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });
        }
        graph.Node.Add(node);
        var model = new ModelProto { IrVersion = c.Opset >= 19 ? 9 : 7, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Version = c.Opset });
        string path = Path.Combine(_dir, name + ".onnx");
        OnnxModelFile.Write(model, path);
        return path;
    }

    static float[] Input(string name)
    {
        var random = new Random(name.Length);
        return Enumerable.Range(0, (int)Cases[name].InputShape.Aggregate(1L, (a, d) => a * d)).Select(_ => random.NextSingle() * 2 - 1).ToArray();
    }
}
