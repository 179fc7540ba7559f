using SobolevRL.Onnx.Proto;

namespace SobolevRL.Onnx;

/// <summary>Finds, before anything runs, every node of a graph that the importer cannot rebuild.</summary>
internal static class OnnxSupportCheck
{
    /// <summary>The default-domain opset of <paramref name="model"/>; throws when absent or out of range.</summary>
    public static int DefaultOpset(ModelProto model, string sourceName)
    {
        OperatorSetIdProto? set = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx");
        if (set is null)
        {
            throw new OnnxModelException($"ONNX model '{sourceName}' imports no default (ai.onnx) operator set.");
        }
        if (set.Version < OnnxOpRegistry.MinOpset || set.Version > OnnxOpRegistry.MaxOpset)
        {
            throw new OnnxModelException(
                $"ONNX model '{sourceName}' uses opset {set.Version}; SobolevRL supports opsets {OnnxOpRegistry.MinOpset}–{OnnxOpRegistry.MaxOpset}. " +
                "Re-export the model with opset_version in that range (e.g. torch.onnx.export(..., opset_version=17)).");
        }
        return (int)set.Version;
    }

    /// <summary>Throws when a graph input or output is not a tensor (sequence, map, optional).</summary>
    public static void RequireTensorValues(GraphProto graph, string sourceName)
    {
        var problems = graph.Input.Concat(graph.Output)
            .Where(v => v.Type is not null && v.Type.ValueCase != TypeProto.ValueOneofCase.TensorType)
            .Select(v => $"'{v.Name}'").ToArray();
        if (problems.Length > 0)
        {
            throw new OnnxModelException(
                $"ONNX model '{sourceName}': values {string.Join(", ", problems)} are sequences, maps or optionals, which are not supported; only tensor inputs and outputs are.");
        }
    }

    /// <summary>Plans every node, or throws one error listing every unsupported operator and variant with its node.</summary>
    public static List<OnnxNodePlan> PlanAll(GraphProto graph, int opset, string sourceName)
    {
        var plans = new List<OnnxNodePlan>();
        var problems = new List<string>();
        foreach (NodeProto node in graph.Node)
        {
            string name = OnnxOpContextText.Describe(node);
            OnnxOpDefinition? definition = node.Domain is "" or "ai.onnx" ? OnnxOpRegistry.Find(node.OpType) : null;
            if (definition is null)
            {
                string domain = node.Domain is "" or "ai.onnx" ? "" : $" (domain '{node.Domain}')";
                problems.Add($"{name}{domain}: operator not supported");
                continue;
            }
            var attributes = new OnnxNodeAttributes(node);
            if ((LegacyForms.Check(node, attributes, opset) ?? definition.CheckVariant?.Invoke(node, attributes, opset)) is string reason)
            {
                problems.Add($"{name}: {reason} not supported");
                continue;
            }
            plans.Add(new OnnxNodePlan(node, definition, attributes));
        }
        if (problems.Count > 0)
        {
            throw new OnnxModelException(
                $"ONNX model '{sourceName}' cannot be rebuilt: {problems.Count} unsupported node(s):\n  " +
                string.Join("\n  ", problems) +
                $"\nSupported operators: {string.Join(", ", OnnxOpRegistry.SupportedOps)}. " +
                "Re-export the model with these operators, or ask for the missing ones to be added.");
        }
        return plans;
    }
}
