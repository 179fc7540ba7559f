using SobolevRL.Onnx;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Onnx;

/// <summary>
/// PyTorch-exported policies (opsets 11 and 17, dynamic batch): the rebuilt graph equals ONNX Runtime within
/// |a − e| ≤ 1e-5·|e| + 1e-6, on a batch size different from the export's.
/// </summary>
public class OnnxFixtureTests
{
    public static IEnumerable<object[]> Files() => OnnxFixtures.All();

    [Theory]
    [MemberData(nameof(Files))]
    public void RebuiltGraphMatchesOnnxRuntime(string file)
    {
        string path = OnnxFixtures.PathOf(file);
        using var scope = NewDisposeScope();
        using OnnxGraph graph = OnnxGraph.Load(path, CPU);
        using var ort = new OrtReference(path);
        Assert.Equal("batch", graph.Inputs[0].Shape![0].Symbol);
        long[] shape = [3, .. graph.Inputs[0].Shape!.Skip(1).Select(d => d.Size!.Value)];
        var random = new Random(7);
        float[] input = new float[shape.Aggregate(1L, (a, d) => a * d)];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = random.NextSingle();
        }
        var outputs = graph.Forward(torch.tensor(input, shape));
        var expected = ort.Run(input, shape);
        Assert.Equal(ort.OutputNames, graph.Outputs.Select(o => o.Name));
        foreach (var (name, values) in expected)
        {
            using Tensor e = torch.tensor(values, ort.LastShapes[name]);
            TensorAssert.Close(e, outputs[name], 1e-5, 1e-6, $"{file} output '{name}'");
        }
    }

    [Fact]
    public void DescribesInputsOutputsOpsAndParameters()
    {
        using OnnxGraph graph = OnnxGraph.Load(OnnxFixtures.PathOf("actor_critic_mlp_op17.onnx"), CPU);
        Assert.Equal("obs: float[batch,8]", graph.Inputs.Single().ToString());
        Assert.Equal(["logits: float[batch,4]", "value: float[batch,1]"], graph.Outputs.Select(o => o.ToString()));
        Assert.Equal(4, graph.Ops["Gemm"]);
        Assert.Equal(8 * 64 + 64 + 64 * 64 + 64 + 64 * 4 + 4 + 64 + 1, graph.ParameterCount);
        Assert.Equal(17, graph.Opset);
    }
}
