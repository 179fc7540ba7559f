using SobolevRL.Onnx.Ops;

namespace SobolevRL.Onnx;

/// <summary>All operators of the default ONNX domain that SobolevRL rebuilds in TorchSharp.</summary>
public static class OnnxOpRegistry
{
    static readonly Dictionary<string, OnnxOpDefinition> ByType = ArithmeticOps.All()
        .Concat(ActivationOps.All())
        .Concat(ShapeOps.All())
        .Concat(JoinSplitOps.All())
        .Concat(IndexingOps.All())
        .Concat(ConstantOps.All())
        .Concat(ConvolutionOps.All())
        .Concat(PoolingOps.All())
        .Concat(LinearAlgebraOps.All())
        .Concat(NormalizationOps.All())
        .Concat(ReductionOps.All())
        .Concat(PadOps.All())
        .Concat(ResizeOps.All())
        .Concat(RecurrentOps.All())
        .ToDictionary(d => d.OpType, StringComparer.Ordinal);

    /// <summary>
    /// Oldest default-domain opset the importer accepts. Opsets 11–17 are the target; older models load when
    /// their nodes avoid pre-opset-7 legacy forms (those are reported as unsupported variants).
    /// </summary>
    public const int MinOpset = 1;

    /// <summary>Newest default-domain opset the importer accepts.</summary>
    public const int MaxOpset = 20;

    /// <summary>Operator types the importer supports, sorted by name.</summary>
    public static IReadOnlyList<string> SupportedOps { get; } = ByType.Keys.Order(StringComparer.Ordinal).ToArray();

    internal static OnnxOpDefinition? Find(string opType) => ByType.GetValueOrDefault(opType);
}
