using SobolevRL.Onnx;
using SobolevRL.Onnx.Proto;

namespace SobolevRL.Tests.Onnx;

/// <summary>The ONNX project's node conformance tests as installed by Debian's libonnx-testdata.</summary>
public static class OnnxNodeTestData
{
    public const string Root = "/usr/share/libonnx-testdata/data/node";

    public const string MissingMessage =
        "ONNX node test data not found at " + Root + ": install the Debian package 'libonnx-testdata' (apt-get install libonnx-testdata).";

    public static bool Available => Directory.Exists(Root);

    /// <summary>Test directories whose model uses only default-domain operators the importer supports.</summary>
    public static IEnumerable<object[]> SupportedCases()
    {
        if (!Available)
        {
            yield return ["(data missing)"];
            yield break;
        }
        var supported = OnnxOpRegistry.SupportedOps.ToHashSet(StringComparer.Ordinal);
        foreach (string dir in Directory.GetDirectories(Root).Order(StringComparer.Ordinal))
        {
            string modelPath = Path.Combine(dir, "model.onnx");
            if (!File.Exists(modelPath) || !Directory.Exists(Path.Combine(dir, "test_data_set_0")))
            {
                continue;
            }
            ModelProto model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(modelPath));
            if (model.Graph.Node.All(n => n.Domain is "" or "ai.onnx" && supported.Contains(n.OpType)))
            {
                yield return [Path.GetFileName(dir)];
            }
        }
    }

    public static TensorProto ReadTensor(string path) => TensorProto.Parser.ParseFrom(File.ReadAllBytes(path));
}
