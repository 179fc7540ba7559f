using SobolevRL.Onnx.Proto;

namespace SobolevRL.Onnx;

/// <summary>Pre-opset-7 forms of operators whose semantics differ from the modern ones and are not implemented.</summary>
internal static class LegacyForms
{
    static readonly HashSet<string> LegacyBroadcastOps = ["Add", "Sub", "Mul", "Div", "Pow", "Gemm"];

    public static string? Check(NodeProto node, OnnxNodeAttributes attributes, int opset)
    {
        if (opset < 7 && LegacyBroadcastOps.Contains(node.OpType) && attributes.Int("broadcast", 0) == 1)
        {
            return "the legacy 'broadcast' attribute (opset < 7)";
        }
        if (opset < 5 && node.OpType == "Reshape")
        {
            return "the legacy 'shape' attribute form (opset < 5)";
        }
        if (opset < 2 && node.OpType is "Pad" or "Split")
        {
            return "the opset-1 form";
        }
        return null;
    }
}
