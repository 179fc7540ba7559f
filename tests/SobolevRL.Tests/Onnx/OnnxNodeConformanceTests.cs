using SobolevRL.Onnx;
using SobolevRL.Onnx.Proto;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Onnx;

/// <summary>
/// Runs every ONNX node conformance case whose model uses only supported operators and compares the rebuilt
/// graph's outputs with the expected ones. Floating outputs: |actual − expected| ≤ 1e-5·|expected| + 1e-6
/// elementwise (NaN matches NaN, infinities must match exactly); integer and bool outputs: exact.
/// A case whose node uses a variant the importer declares unsupported must fail with an
/// <see cref="OnnxModelException"/> saying "not supported" and naming the node or value; such cases are
/// written to the test output ("UNSUPPORTED VARIANT").
/// </summary>
public class OnnxNodeConformanceTests(ITestOutputHelper output)
{
    public const double RelativeTolerance = 1e-5;
    public const double AbsoluteTolerance = 1e-6;

    public static IEnumerable<object[]> Cases() => OnnxNodeTestData.SupportedCases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void NodeCaseMatchesExpectedOutputs(string caseName)
    {
        Assert.SkipUnless(OnnxNodeTestData.Available, OnnxNodeTestData.MissingMessage);
        string dir = Path.Combine(OnnxNodeTestData.Root, caseName);
        string data = Path.Combine(dir, "test_data_set_0");
        ModelProto model = OnnxModelFile.Read(Path.Combine(dir, "model.onnx"));
        using var scope = NewDisposeScope();
        OnnxGraph graph;
        IReadOnlyDictionary<string, Tensor> actual;
        try
        {
            graph = OnnxGraph.FromModel(model, CPU, caseName);
            var inputs = new Dictionary<string, Tensor>();
            for (int i = 0; i < graph.Inputs.Count; i++)
            {
                TensorProto proto = OnnxNodeTestData.ReadTensor(Path.Combine(data, $"input_{i}.pb"));
                inputs[graph.Inputs[i].Name] = TensorProtoConversion.ToTensor(proto, CPU);
            }
            actual = graph.Forward(inputs);
        }
        catch (OnnxModelException e) when (e.Message.Contains("not supported", StringComparison.Ordinal))
        {
            output.WriteLine($"UNSUPPORTED VARIANT {caseName}: {e.Message}");
            return;
        }
        using (graph)
        {
            for (int i = 0; i < graph.Outputs.Count; i++)
            {
                TensorProto proto = OnnxNodeTestData.ReadTensor(Path.Combine(data, $"output_{i}.pb"));
                using Tensor expected = TensorProtoConversion.ToTensor(proto, CPU);
                TensorAssert.Close(expected, actual[graph.Outputs[i].Name], RelativeTolerance, AbsoluteTolerance, $"{caseName} output {i}");
            }
        }
    }
}
