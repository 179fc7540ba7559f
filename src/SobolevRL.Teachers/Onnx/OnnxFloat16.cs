using SobolevRL.Onnx.Proto;
using static TorchSharp.torch;

namespace SobolevRL.Onnx;

/// <summary>
/// Graphs with float16 weights, inputs or outputs (what <c>model.half()</c> exports). Teachers are labelled in float32:
/// <see cref="AsFloat32"/> widens every float16 value exactly, so the rebuilt graph computes the same function of the
/// same weights without rounding each node's output to 11 bits, and autograd gives its input-gradient to float32
/// accuracy (half-precision autograd would carry errors of about 1e-3 relative into the labels, and libtorch's float16
/// CPU kernels are slower than float32 ones). ONNX Runtime acts on the graph as written (<see cref="WithFloat32Io"/>):
/// it computes in float16 and only the graph's inputs and outputs are converted.
/// </summary>
public static class OnnxFloat16
{
    const int Float = (int)TensorProto.Types.DataType.Float;
    const int Half = (int)TensorProto.Types.DataType.Float16;

    /// <summary>True when an initializer, graph input or graph output of <paramref name="model"/> is float16.</summary>
    public static bool Any(ModelProto model) =>
        model.Graph.Initializer.Any(i => i.DataType == Half) || model.Graph.Input.Concat(model.Graph.Output).Any(IsHalf);

    /// <summary>
    /// A copy of <paramref name="model"/> in which every float16 tensor is float32: initializers and Constant /
    /// ConstantOfShape values widened exactly, value types, and Cast nodes to float16 cast to float32 instead;
    /// <paramref name="model"/> itself when it has no float16 tensor.
    /// </summary>
    public static ModelProto AsFloat32(ModelProto model)
    {
        if (!Any(model) && !model.Graph.Node.Any(n => IsCastToHalf(n) || n.Attribute.Any(a => a.T?.DataType == Half))) return model;
        ModelProto copy = model.Clone();
        GraphProto graph = copy.Graph;
        for (int i = 0; i < graph.Initializer.Count; i++)
        {
            if (graph.Initializer[i].DataType == Half) graph.Initializer[i] = Widen(graph.Initializer[i]);
        }
        foreach (ValueInfoProto value in graph.Input.Concat(graph.Output).Concat(graph.ValueInfo).Where(IsHalf))
            value.Type.TensorType.ElemType = Float;
        foreach (NodeProto node in graph.Node)
        {
            foreach (AttributeProto attribute in node.Attribute)
            {
                if (attribute.T?.DataType == Half) attribute.T = Widen(attribute.T);
                if (node.OpType == "Cast" && attribute.Name == "to" && attribute.I == Half) attribute.I = Float;
            }
        }
        return copy;
    }

    /// <summary>
    /// A copy of <paramref name="model"/> whose float16 graph inputs and outputs are float32, converted by Cast nodes
    /// at the graph's edges (the computation in between is unchanged); <paramref name="model"/> itself when it has none.
    /// </summary>
    public static ModelProto WithFloat32Io(ModelProto model)
    {
        var initializers = model.Graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        if (!model.Graph.Input.Where(i => !initializers.Contains(i.Name)).Concat(model.Graph.Output).Any(IsHalf)) return model;
        ModelProto copy = model.Clone();
        GraphProto graph = copy.Graph;
        var inner = new List<NodeProto>();
        foreach (ValueInfoProto input in graph.Input.Where(i => !initializers.Contains(i.Name) && IsHalf(i)))
        {
            string half = input.Name + "__float16";
            foreach (NodeProto node in graph.Node)
                for (int k = 0; k < node.Input.Count; k++)
                    if (node.Input[k] == input.Name) node.Input[k] = half;
            inner.Add(Cast(input.Name, half, Half));
            input.Type.TensorType.ElemType = Float;
        }
        var outputs = new List<NodeProto>();
        foreach (ValueInfoProto output in graph.Output.Where(IsHalf))
        {
            string half = output.Name + "__float16";
            foreach (NodeProto node in graph.Node)
            {
                for (int k = 0; k < node.Output.Count; k++)
                    if (node.Output[k] == output.Name) node.Output[k] = half;
                for (int k = 0; k < node.Input.Count; k++)
                    if (node.Input[k] == output.Name) node.Input[k] = half;
            }
            outputs.Add(Cast(half, output.Name, Float));
            output.Type.TensorType.ElemType = Float;
        }
        var nodes = inner.Concat(graph.Node).Concat(outputs).ToArray();
        graph.Node.Clear();
        graph.Node.AddRange(nodes);
        return copy;
    }

    static bool IsHalf(ValueInfoProto value) => value.Type?.TensorType?.ElemType == Half;

    static bool IsCastToHalf(NodeProto node) => node.OpType == "Cast" && node.Attribute.Any(a => a.Name == "to" && a.I == Half);

    static NodeProto Cast(string from, string to, int type)
    {
        var node = new NodeProto { OpType = "Cast", Name = to + "__cast" };
        node.Input.Add(from);
        node.Output.Add(to);
        node.Attribute.Add(new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = type });
        return node;
    }

    static TensorProto Widen(TensorProto half)
    {
        using var scope = NewDisposeScope();
        using Tensor wide = TensorProtoConversion.ToTensor(half, CPU).to(ScalarType.Float32);
        return TensorProtoConversion.FromTensor(wide, half.Name);
    }
}
