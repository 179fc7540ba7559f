using SobolevRL.Onnx.Proto;
using static TorchSharp.torch;

namespace SobolevRL.Onnx;

/// <summary>Maps ONNX element types (TensorProto.DataType numbers) to TorchSharp scalar types and names.</summary>
public static class OnnxDataTypes
{
    /// <summary>The lower-case ONNX name of an element type, e.g. "float", "int64".</summary>
    public static string Name(int onnxType) => onnxType switch
    {
        (int)TensorProto.Types.DataType.Float => "float",
        (int)TensorProto.Types.DataType.Uint8 => "uint8",
        (int)TensorProto.Types.DataType.Int8 => "int8",
        (int)TensorProto.Types.DataType.Uint16 => "uint16",
        (int)TensorProto.Types.DataType.Int16 => "int16",
        (int)TensorProto.Types.DataType.Int32 => "int32",
        (int)TensorProto.Types.DataType.Int64 => "int64",
        (int)TensorProto.Types.DataType.String => "string",
        (int)TensorProto.Types.DataType.Bool => "bool",
        (int)TensorProto.Types.DataType.Float16 => "float16",
        (int)TensorProto.Types.DataType.Double => "double",
        (int)TensorProto.Types.DataType.Uint32 => "uint32",
        (int)TensorProto.Types.DataType.Uint64 => "uint64",
        (int)TensorProto.Types.DataType.Complex64 => "complex64",
        (int)TensorProto.Types.DataType.Complex128 => "complex128",
        (int)TensorProto.Types.DataType.Bfloat16 => "bfloat16",
        _ => $"type#{onnxType}",
    };

    /// <summary>
    /// The TorchSharp scalar type for an ONNX element type, or null when unsupported. bfloat16 is not supported:
    /// ONNX leaves float→bfloat16 rounding to the runtime (its reference truncates, torch rounds to nearest even).
    /// </summary>
    public static ScalarType? ToTorch(int onnxType) => onnxType switch
    {
        (int)TensorProto.Types.DataType.Float => ScalarType.Float32,
        (int)TensorProto.Types.DataType.Uint8 => ScalarType.Byte,
        (int)TensorProto.Types.DataType.Int8 => ScalarType.Int8,
        (int)TensorProto.Types.DataType.Int16 => ScalarType.Int16,
        (int)TensorProto.Types.DataType.Int32 => ScalarType.Int32,
        (int)TensorProto.Types.DataType.Int64 => ScalarType.Int64,
        (int)TensorProto.Types.DataType.Bool => ScalarType.Bool,
        (int)TensorProto.Types.DataType.Float16 => ScalarType.Float16,
        (int)TensorProto.Types.DataType.Double => ScalarType.Float64,
        _ => null,
    };

    /// <summary>The TorchSharp scalar type for an ONNX element type; throws for types TorchSharp lacks.</summary>
    /// <exception cref="OnnxModelException">The element type has no TorchSharp equivalent.</exception>
    public static ScalarType ToTorchOrThrow(int onnxType, string where) =>
        ToTorch(onnxType) ?? throw new OnnxModelException(
            $"{where}: element type '{Name(onnxType)}' is not supported (supported: float, double, float16, " +
            "int8, int16, int32, int64, uint8, bool). Convert the model to a supported type.");

    /// <summary>The ONNX element type number for a TorchSharp scalar type.</summary>
    /// <exception cref="OnnxModelException">The scalar type has no ONNX equivalent here.</exception>
    public static int FromTorch(ScalarType type) => type switch
    {
        ScalarType.Float32 => (int)TensorProto.Types.DataType.Float,
        ScalarType.Byte => (int)TensorProto.Types.DataType.Uint8,
        ScalarType.Int8 => (int)TensorProto.Types.DataType.Int8,
        ScalarType.Int16 => (int)TensorProto.Types.DataType.Int16,
        ScalarType.Int32 => (int)TensorProto.Types.DataType.Int32,
        ScalarType.Int64 => (int)TensorProto.Types.DataType.Int64,
        ScalarType.Bool => (int)TensorProto.Types.DataType.Bool,
        ScalarType.Float16 => (int)TensorProto.Types.DataType.Float16,
        ScalarType.Float64 => (int)TensorProto.Types.DataType.Double,
        _ => throw new OnnxModelException($"Tensor type {type} cannot be written to ONNX."),
    };
}
