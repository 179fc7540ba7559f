using Google.Protobuf;
using SobolevRL.Onnx;
using SobolevRL.Onnx.Proto;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Onnx;

/// <summary>User-caused problems end in one <see cref="OnnxModelException"/> that names the file, node or input.</summary>
public class OnnxErrorTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("sobolevrl-onnx-errors-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void MissingFile()
    {
        var e = Assert.Throws<OnnxModelException>(() => OnnxGraph.Load(Path.Combine(_dir, "nope.onnx"), CPU));
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void NotAnOnnxFile()
    {
        string path = Path.Combine(_dir, "text.onnx");
        File.WriteAllText(path, "this is a text file, not a model\n");
        var e = Assert.Throws<OnnxModelException>(() => OnnxGraph.Load(path, CPU));
        Assert.Contains("text.onnx", e.Message);
        Assert.Contains("not", e.Message);
    }

    [Fact]
    public void TruncatedFile()
    {
        byte[] bytes = File.ReadAllBytes(OnnxFixtures.PathOf("nature_dqn_op17.onnx"));
        string path = Path.Combine(_dir, "cut.onnx");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<OnnxModelException>(() => OnnxGraph.Load(path, CPU));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void EveryUnsupportedNodeIsListedBeforeAnythingRuns()
    {
        var model = new ModelProto { IrVersion = 8, Graph = new GraphProto { Name = "g" } };
        model.OpsetImport.Add(new OperatorSetIdProto { Version = 17 });
        model.Graph.Input.Add(new ValueInfoProto { Name = "x" });
        model.Graph.Node.Add(new NodeProto { OpType = "Relu", Name = "ok", Input = { "x" }, Output = { "a" } });
        model.Graph.Node.Add(new NodeProto { OpType = "GridSample", Name = "mix", Input = { "a" }, Output = { "b" } });
        model.Graph.Node.Add(new NodeProto { OpType = "Loop", Name = "memory", Input = { "b" }, Output = { "c" } });
        model.Graph.Node.Add(new NodeProto
        {
            OpType = "Pad",
            Name = "wrap",
            Input = { "c" },
            Output = { "d" },
            Attribute = { new AttributeProto { Name = "mode", Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8("wrap") } },
        });
        model.Graph.Output.Add(new ValueInfoProto { Name = "d" });
        var e = Assert.Throws<OnnxModelException>(() => OnnxGraph.FromModel(model, CPU, "student.onnx"));
        Assert.Contains("3 unsupported node(s)", e.Message);
        Assert.Contains("GridSample node 'mix'", e.Message);
        Assert.Contains("Loop node 'memory'", e.Message);
        Assert.Contains("Pad node 'wrap': mode 'wrap'", e.Message);
        Assert.DoesNotContain("'ok'", e.Message);
    }

    [Fact]
    public void WrongInputShapeNamesInputAndExpectedShape()
    {
        using OnnxGraph graph = OnnxGraph.Load(OnnxFixtures.PathOf("nature_dqn_op11.onnx"), CPU);
        using var x = zeros(2, 4, 84, 84);
        var e = Assert.Throws<OnnxModelException>(() => graph.Forward(x));
        Assert.Contains("input 'obs' has shape [2,4,84,84] but the model expects [batch,4,44,44]", e.Message);
    }
}
