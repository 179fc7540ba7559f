using Google.Protobuf;
using SobolevRL.Onnx;
using SobolevRL.Onnx.Proto;
using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Onnx;

/// <summary>
/// Operators whose attributes became inputs (or whose semantics changed) across opsets 11–17, checked against
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
    };

    public static TheoryData<string> CaseNames() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MatchesOnnxRuntime(string name)
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
        var model = new ModelProto { IrVersion = 7, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Version = c.Opset });
        string path = Path.Combine(_dir, name + ".onnx");
        OnnxModelFile.Write(model, path);

        using var scope = NewDisposeScope();
        var random = new Random(name.Length);
        float[] x = Enumerable.Range(0, (int)c.InputShape.Aggregate(1L, (a, d) => a * d)).Select(_ => random.NextSingle() * 2 - 1).ToArray();
        using var ort = new OrtReference(path);
        Dictionary<string, float[]> expected = ort.Run(x, c.InputShape);
        using OnnxGraph rebuilt = OnnxGraph.Load(path, CPU);
        var actual = rebuilt.Forward(torch.tensor(x, c.InputShape));
        foreach (var (output, values) in expected)
        {
            TensorAssert.Close(torch.tensor(values, ort.LastShapes[output]), actual[output], 1e-5, 1e-6, $"{name} {output}");
        }
    }
}
