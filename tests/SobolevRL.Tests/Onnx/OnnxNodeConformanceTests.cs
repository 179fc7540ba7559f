using SobolevRL.Onnx;
using SobolevRL.Onnx.Proto;
using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Onnx;

/// <summary>
/// Runs every ONNX node conformance case whose model uses only supported operators and compares the rebuilt
/// graph's outputs with the expected ones. Floating outputs: |actual − expected| ≤ 1e-5·|expected| + 1e-6
/// elementwise (NaN matches NaN, infinities must match exactly); integer and bool outputs: exact.
/// A case whose node uses a variant the importer declares unsupported must fail at load with an
/// <see cref="OnnxModelException"/> naming that node; such cases are written to the test output.
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
        ModelProto model = OnnxModelFile.Read(Path.Combine(dir, "model.onnx"));
        using var scope = NewDisposeScope();
        OnnxGraph graph;
        var inputs = new Dictionary<string, Tensor>();
        try
        {
            graph = OnnxGraph.FromModel(model, CPU, caseName);
            for (int i = 0; i < graph.Inputs.Count; i++)
            {
                inputs[graph.Inputs[i].Name] = TensorProtoConversion.ToTensor(
                    OnnxNodeTestData.ReadTensor(Path.Combine(dir, "test_data_set_0", $"input_{i}.pb")), CPU);
            }
        }
        catch (OnnxModelException e) when (e.Message.Contains("not supported", StringComparison.Ordinal))
        {
            output.WriteLine($"UNSUPPORTED VARIANT {caseName}: {e.Message}");
            return;
        }
        using (graph)
        {
            IReadOnlyDictionary<string, Tensor> actual = graph.Forward(inputs);
            for (int i = 0; i < graph.Outputs.Count; i++)
            {
                using Tensor expected = TensorProtoConversion.ToTensor(
                    OnnxNodeTestData.ReadTensor(Path.Combine(dir, "test_data_set_0", $"output_{i}.pb")), CPU);
                TensorAssert.Close(expected, actual[graph.Outputs[i].Name], RelativeTolerance, AbsoluteTolerance, $"{caseName} output {i}");
            }
        }
    }
}
