using SobolevRL.Onnx.Proto;

namespace SobolevRL.Onnx;

/// <summary>Typed, defaulted access to the attributes of one ONNX node.</summary>
internal sealed class OnnxNodeAttributes
{
    readonly Dictionary<string, AttributeProto> _byName = new(StringComparer.Ordinal);

    public OnnxNodeAttributes(NodeProto node)
    {
        foreach (AttributeProto a in node.Attribute)
        {
            _byName[a.Name] = a;
        }
    }

    public bool Has(string name) => _byName.ContainsKey(name);

    public AttributeProto? Get(string name) => _byName.GetValueOrDefault(name);

    public long Int(string name, long defaultValue) => _byName.TryGetValue(name, out var a) ? a.I : defaultValue;

    public float Float(string name, float defaultValue) => _byName.TryGetValue(name, out var a) ? a.F : defaultValue;

    public string String(string name, string defaultValue) =>
        _byName.TryGetValue(name, out var a) ? a.S.ToStringUtf8() : defaultValue;

    public long[]? Ints(string name) => _byName.TryGetValue(name, out var a) ? a.Ints.ToArray() : null;

    public float[]? Floats(string name) => _byName.TryGetValue(name, out var a) ? a.Floats.ToArray() : null;

    public TensorProto? Tensor(string name) => _byName.TryGetValue(name, out var a) ? a.T : null;
}
