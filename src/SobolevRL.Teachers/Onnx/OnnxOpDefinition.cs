using SobolevRL.Onnx.Proto;
using static TorchSharp.torch;

namespace SobolevRL.Onnx;

/// <summary>Runs one ONNX operator on TorchSharp tensors; returns one tensor per declared output.</summary>
internal delegate Tensor[] OnnxOpRun(OnnxOpContext context);

/// <summary>
/// Checks at load time whether a node uses a variant (attribute value, optional output, opset) that the
/// implementation does not cover; returns the reason, or null when the node is supported.
/// </summary>
internal delegate string? OnnxOpVariantCheck(NodeProto node, OnnxNodeAttributes attributes, int opset);

/// <summary>An operator type SobolevRL can rebuild as differentiable TorchSharp operations.</summary>
internal sealed record OnnxOpDefinition(string OpType, OnnxOpRun Run, OnnxOpVariantCheck? CheckVariant = null);
