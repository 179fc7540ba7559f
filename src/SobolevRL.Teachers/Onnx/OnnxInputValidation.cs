using static TorchSharp.torch;

namespace SobolevRL.Onnx;

/// <summary>Checks a tensor given for a graph input against the declared rank, fixed dimensions and element type.</summary>
internal static class OnnxInputValidation
{
    public static void Check(OnnxValueInfo info, Tensor given, string sourceName)
    {
        ScalarType? declared = OnnxDataTypes.ToTorch(info.ElementTypeCode);
        if (declared is ScalarType type && type != given.dtype)
        {
            throw new OnnxModelException(
                $"ONNX model '{sourceName}': input '{info.Name}' must be {info.ElementType}, got {given.dtype}. Convert the tensor (e.g. .to(ScalarType.Float32)).");
        }
        if (info.Shape is null)
        {
            return;
        }
        bool rankOk = info.Shape.Count == given.dim();
        bool dimsOk = rankOk && info.Shape.Select((d, i) => d.Size is null || d.Size == given.shape[i]).All(ok => ok);
        if (!dimsOk)
        {
            throw new OnnxModelException(
                $"ONNX model '{sourceName}': input '{info.Name}' has shape [{string.Join(",", given.shape)}] but the model expects [{string.Join(",", info.Shape)}].");
        }
    }
}
