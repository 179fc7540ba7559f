using Google.Protobuf;
using SobolevRL.Onnx.Proto;
using static TorchSharp.torch;

namespace SobolevRL.Onnx;

/// <summary>Accumulates nodes and initializers of an ONNX graph being written; hands out unique value names.</summary>
internal sealed class OnnxGraphBuilder
{
    readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public GraphProto Graph { get; } = new();

    public string UniqueName(string wanted)
    {
        string name = wanted;
        for (int i = 1; !_names.Add(name); i++)
        {
            name = $"{wanted}_{i}";
        }
        return name;
    }

    /// <summary>Adds an initializer holding a copy of <paramref name="value"/>; returns its name.</summary>
    public string AddInitializer(string wantedName, Tensor value)
    {
        string name = UniqueName(wantedName);
        Graph.Initializer.Add(TensorProtoConversion.FromTensor(value, name));
        return name;
    }

    /// <summary>Adds a node with one output; returns the output's name.</summary>
    public string AddNode(string opType, string nodeName, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        string output = UniqueName(nodeName + "_out");
        var node = new NodeProto { OpType = opType, Name = UniqueName(nodeName) };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return output;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, double value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = (float)value };

    public static AttributeProto Ints(string name, IEnumerable<long> values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    /// <summary>A float tensor value description whose first dimension is the symbol <paramref name="batchSymbol"/>.</summary>
    public static ValueInfoProto FloatValue(string name, string batchSymbol, IEnumerable<long> perSampleShape)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = batchSymbol });
        foreach (long d in perSampleShape)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
