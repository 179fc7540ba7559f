using SobolevRL.Onnx.Proto;

namespace SobolevRL.Onnx;

/// <summary>A node prepared for execution: its operator implementation and parsed attributes.</summary>
internal sealed record OnnxNodePlan(NodeProto Node, OnnxOpDefinition Definition, OnnxNodeAttributes Attributes);
