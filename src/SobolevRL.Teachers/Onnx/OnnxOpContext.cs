using SobolevRL.Onnx.Proto;
using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Onnx;

/// <summary>What an operator implementation sees when it runs: its node, attributes, inputs and the model's opset.</summary>
internal sealed class OnnxOpContext
{
    public OnnxOpContext(NodeProto node, OnnxNodeAttributes attributes, int opset, Tensor?[] inputs, Device device)
    {
        Node = node;
        Attributes = attributes;
        Opset = opset;
        Inputs = inputs;
        Device = device;
    }

    public NodeProto Node { get; }

    public OnnxNodeAttributes Attributes { get; }

    /// <summary>Version of the default ONNX operator set the model imports.</summary>
    public int Opset { get; }

    /// <summary>Input values by position; null where an optional input is omitted.</summary>
    public Tensor?[] Inputs { get; }

    public Device Device { get; }

    /// <summary>Number of outputs the node declares (including omitted trailing ones named "").</summary>
    public int OutputCount => Node.Output.Count;

    public bool HasInput(int index) => index < Inputs.Length && Inputs[index] is not null;

    public Tensor Input(int index) =>
        index < Inputs.Length && Inputs[index] is Tensor t ? t : throw Error($"required input #{index} is missing");

    public Tensor? OptionalInput(int index) => index < Inputs.Length ? Inputs[index] : null;

    /// <summary>Reads a small integer tensor input (shape, axes, pads...) to the host.</summary>
    public long[] InputAsLongs(int index) => ToLongs(Input(index));

    /// <summary>Reads a scalar input to the host as a double.</summary>
    public double InputAsDouble(int index)
    {
        using Tensor c = Input(index).detach().cpu().to(ScalarType.Float64);
        return c.numel() == 1 ? c.reshape(1).data<double>()[0] : throw Error($"input #{index} must hold one value");
    }

    public static long[] ToLongs(Tensor t)
    {
        using Tensor c = t.detach().cpu().to(ScalarType.Int64).contiguous();
        return c.data<long>().ToArray();
    }

    /// <summary>An error that names this node and its operator type.</summary>
    public OnnxModelException Error(string problem) => new(OnnxOpContextText.Describe(Node) + ": " + problem + ".");
}

/// <summary>How nodes are named in error messages.</summary>
internal static class OnnxOpContextText
{
    public static string Describe(NodeProto node) =>
        $"{node.OpType} node '{(string.IsNullOrEmpty(node.Name) ? "(unnamed, output " + node.Output.FirstOrDefault() + ")" : node.Name)}'";
}
