using SobolevRL.Onnx;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Onnx;

/// <summary>TorchSharp module → ONNX → (ONNX Runtime, our importer): outputs equal the module's within 1e-5.</summary>
public class OnnxExporterTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("sobolevrl-onnx-export-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static nn.Module<Tensor, Tensor> ConvStudent() => nn.Sequential(
        ("conv0", nn.Conv2d(4, 8, 5, stride: 2, padding: 1)), ("relu0", nn.ReLU()),
        ("pool", nn.MaxPool2d(2, 2)),
        ("conv1", nn.Conv2d(8, 8, 3, padding: Padding.Same)), ("elu", nn.ELU(0.7)),
        ("block", nn.Sequential(("conv2", nn.Conv2d(8, 4, 3, stride: 1)), ("leaky", nn.LeakyReLU(0.05)))),
        ("flatten", nn.Flatten()),
        ("fc", nn.Linear(4 * 2 * 2, 16)), ("tanh", nn.Tanh()), ("drop", nn.Dropout(0.1)),
        ("out", nn.Linear(16, 6)));

    static nn.Module<Tensor, Tensor> MlpStudent() => nn.Sequential(
        nn.Linear(8, 32), nn.Sigmoid(), nn.Linear(32, 32), nn.Softplus(), nn.Linear(32, 4), nn.LogSoftmax(1));

    public static TheoryData<string> Students() => ["conv", "mlp"];

    [Theory]
    [MemberData(nameof(Students))]
    public void ExportedModelReproducesTheModule(string kind)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(5);
        var (module, shape) = kind == "conv" ? (ConvStudent(), new long[] { 4, 20, 20 }) : (MlpStudent(), new long[] { 8 });
        module.eval();
        string path = Path.Combine(_dir, kind + ".onnx");
        OnnxExporter.Export(module, shape, path);

        long[] batchShape = [5, .. shape];
        Tensor x = torch.rand(batchShape);
        Tensor expected;
        using (torch.no_grad())
        {
            expected = module.call(x);
        }
        using OnnxGraph graph = OnnxGraph.Load(path, CPU);
        Assert.Equal(17, graph.Opset);
        Assert.Equal("batch", graph.Inputs[0].Shape![0].Symbol);
        TensorAssert.Close(expected, graph.Forward(x)["logits"], 1e-5, 1e-6, "importer");

        using var ort = new OrtReference(path);
        float[] ortLogits = ort.Run(x.data<float>().ToArray(), batchShape)["logits"];
        TensorAssert.Close(expected, torch.tensor(ortLogits, expected.shape), 1e-5, 1e-6, "ONNX Runtime");
    }

    [Fact]
    public void UnsupportedLayersAreAllListed()
    {
        var module = nn.Sequential(("norm", nn.BatchNorm2d(4)), ("conv", nn.Conv2d(4, 4, 3)), ("gelu", nn.GELU()));
        var e = Assert.Throws<OnnxModelException>(() => OnnxExporter.ToModel(module, [4, 8, 8]));
        Assert.Contains("'norm' (BatchNorm2d)", e.Message);
        Assert.Contains("'gelu' (GELU)", e.Message);
        Assert.DoesNotContain("'conv'", e.Message);
    }

    [Fact]
    public void SeveralHeadsOnASharedTorsoBecomeOneGraphWithOneOutputEach()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(6);
        var torso = new List<(string, nn.Module<Tensor, Tensor>)> { ("conv", nn.Conv2d(4, 3, 3)), ("relu", nn.ReLU()), ("flatten", nn.Flatten()) };
        var heads = new[] { nn.Linear(3 * 6 * 6, 3), nn.Linear(3 * 6 * 6, 5) };
        var views = heads.Select(h => nn.Sequential([.. torso, ("head", (nn.Module<Tensor, Tensor>)h)])).ToArray();
        string path = Path.Combine(_dir, "heads.onnx");
        OnnxExporter.Export([("logits_a", views[0]), ("logits_b", views[1])], [4, 8, 8], path);

        var model = OnnxModelFile.Read(path);
        Assert.Equal(["logits_a", "logits_b"], model.Graph.Output.Select(o => o.Name));
        Assert.Single(model.Graph.Node, n => n.OpType == "Conv");   // the torso is written once
        Assert.Equal(2, model.Graph.Node.Count(n => n.OpType == "Gemm"));
        Tensor x = torch.rand(5, 4, 8, 8);
        using var ort = new OrtReference(path);
        var outputs = ort.Run(x.data<float>().ToArray(), [5, 4, 8, 8]);
        for (int h = 0; h < 2; h++)
        {
            Tensor expected;
            using (torch.no_grad()) expected = views[h].call(x);
            TensorAssert.Close(expected, torch.tensor(outputs[h == 0 ? "logits_a" : "logits_b"], expected.shape), 1e-5, 1e-6, $"ONNX Runtime output {h}");
        }
        Assert.Throws<OnnxModelException>(() => OnnxExporter.Export([("x", views[0]), ("x", views[1])], [4, 8, 8], path));
    }
}
