using SobolevRL.Onnx.Proto;

namespace SobolevRL.Onnx;

/// <summary>
/// Graphs that take uint8 observations and cast them to floating point first (what <c>obs.float() / 255</c> exports).
/// They are run as float graphs: the uint8 input is declared float, so whole-number observations give the same result,
/// input-gradients exist (the derivative of the graph after its Cast), and ONNX Runtime and the rebuilt graph both take
/// the same float observations.
/// </summary>
public static class OnnxUint8Inputs
{
    static readonly int Uint8 = (int)TensorProto.Types.DataType.Uint8;
    static readonly int Float = (int)TensorProto.Types.DataType.Float;

    static readonly HashSet<long> FloatingTypes =
        [(long)TensorProto.Types.DataType.Float, (long)TensorProto.Types.DataType.Double, (long)TensorProto.Types.DataType.Float16];

    /// <summary>True when a graph input (not an initializer) of <paramref name="model"/> is uint8.</summary>
    public static bool Any(ModelProto model) => Uint8Inputs(model.Graph).Any();

    /// <summary>
    /// A copy of <paramref name="model"/> whose uint8 graph inputs are declared float; <paramref name="model"/> itself
    /// when it has none.
    /// </summary>
    /// <exception cref="OnnxModelException">A uint8 input feeds a node other than a Cast to a floating-point type.</exception>
    public static ModelProto AsFloat(ModelProto model, string sourceName)
    {
        ValueInfoProto[] inputs = Uint8Inputs(model.Graph).ToArray();
        if (inputs.Length == 0) return model;
        foreach (ValueInfoProto input in inputs)
        {
            NodeProto? other = model.Graph.Node.FirstOrDefault(n => n.Input.Contains(input.Name) && !IsCastToFloat(n));
            if (other is not null)
                throw new OnnxModelException(
                    $"ONNX model '{sourceName}': uint8 input '{input.Name}' feeds {other.OpType} node '{other.Name}'; only uint8 inputs that go " +
                    "straight into a Cast to float are supported. Re-export with a float32 input (cast before the network, e.g. obs.float()).");
        }
        ModelProto copy = model.Clone();
        foreach (ValueInfoProto input in copy.Graph.Input.Where(i => inputs.Any(u => u.Name == i.Name)))
            input.Type.TensorType.ElemType = Float;
        return copy;
    }

    static IEnumerable<ValueInfoProto> Uint8Inputs(GraphProto graph)
    {
        var initializers = graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        return graph.Input.Where(i => !initializers.Contains(i.Name) && i.Type?.TensorType?.ElemType == Uint8);
    }

    static bool IsCastToFloat(NodeProto node) =>
        node.OpType == "Cast" && node.Attribute.FirstOrDefault(a => a.Name == "to") is { } to && FloatingTypes.Contains(to.I);
}
