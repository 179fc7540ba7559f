namespace SobolevRL.Onnx;

/// <summary>Names and versions written by <see cref="OnnxExporter"/>.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>Name of the graph input (default "obs").</summary>
    public string InputName { get; init; } = "obs";

    /// <summary>Name of the graph output (default "logits").</summary>
    public string OutputName { get; init; } = "logits";

    /// <summary>Symbol of the dynamic batch dimension (default "batch").</summary>
    public string BatchSymbol { get; init; } = "batch";

    /// <summary>Default-domain opset to write; only 17 is produced and tested.</summary>
    public int Opset { get; init; } = 17;

    /// <summary>Free text stored as the model's doc_string (e.g. how the student was trained).</summary>
    public string Description { get; init; } = "";
}
