using SobolevRL.Onnx.Proto;

namespace SobolevRL.Onnx;

/// <summary>One dimension of a declared shape: a fixed size, a named symbol (e.g. "batch"), or unknown.</summary>
public readonly record struct OnnxDim(long? Size, string? Symbol)
{
    /// <summary>The size, the symbol, or "?".</summary>
    public override string ToString() => Size?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Symbol ?? "?";
}

/// <summary>A graph input or output as the model declares it: name, element type and shape (null when undeclared).</summary>
public sealed record OnnxValueInfo(string Name, string ElementType, IReadOnlyList<OnnxDim>? Shape)
{
    internal static OnnxValueInfo From(ValueInfoProto proto)
    {
        TypeProto.Types.Tensor? tensorType = proto.Type?.TensorType;
        if (tensorType is null)
        {
            return new OnnxValueInfo(proto.Name, "unknown", null) { ElementTypeCode = 0 };
        }
        IReadOnlyList<OnnxDim>? shape = tensorType.Shape is null
            ? null
            : tensorType.Shape.Dim.Select(d => d.ValueCase switch
            {
                TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => new OnnxDim(d.DimValue, null),
                TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam => new OnnxDim(null, d.DimParam),
                _ => new OnnxDim(null, null),
            }).ToArray();
        return new OnnxValueInfo(proto.Name, OnnxDataTypes.Name(tensorType.ElemType), shape) { ElementTypeCode = tensorType.ElemType };
    }

    /// <summary>The inputs of <paramref name="graph"/> a caller provides (those that are not initializers), as declared.</summary>
    public static IReadOnlyList<OnnxValueInfo> InputsOf(GraphProto graph)
    {
        var initializers = graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        return graph.Input.Where(i => !initializers.Contains(i.Name)).Select(From).ToArray();
    }

    /// <summary>The outputs of <paramref name="graph"/>, as declared.</summary>
    public static IReadOnlyList<OnnxValueInfo> OutputsOf(GraphProto graph) => graph.Output.Select(From).ToArray();

    /// <summary>The ONNX element type number (TensorProto.DataType); 0 when undeclared.</summary>
    public int ElementTypeCode { get; init; }

    /// <summary>e.g. "obs: float[batch,4,84,84]".</summary>
    public override string ToString() =>
        $"{Name}: {ElementType}{(Shape is null ? "" : "[" + string.Join(",", Shape) + "]")}";
}
