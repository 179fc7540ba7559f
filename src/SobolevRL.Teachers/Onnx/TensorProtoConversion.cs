using System.Runtime.InteropServices;
using Google.Protobuf;
using SobolevRL.Onnx.Proto;
using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Onnx;

/// <summary>Converts ONNX TensorProto constants to TorchSharp tensors and back.</summary>
public static class TensorProtoConversion
{
    /// <summary>
    /// Builds a tensor on <paramref name="device"/> from <paramref name="proto"/>, reading raw_data or the typed
    /// fields (float_data, int32_data, int64_data, double_data). External data is not supported.
    /// </summary>
    /// <exception cref="OnnxModelException">The tensor uses external data, an unsupported type, or has the wrong element count.</exception>
    public static Tensor ToTensor(TensorProto proto, Device device)
    {
        string where = $"tensor '{proto.Name}'";
        if (proto.DataLocation == TensorProto.Types.DataLocation.External || proto.ExternalData.Count > 0)
        {
            throw new OnnxModelException(
                $"{where} stores its values in an external file, which SobolevRL does not read. " +
                "Re-save the model with all tensors inside the .onnx file (onnx.save(..., save_as_external_data=False)).");
        }
        ScalarType type = OnnxDataTypes.ToTorchOrThrow(proto.DataType, where);
        long[] dims = proto.Dims.ToArray();
        long count = 1;
        foreach (long d in dims)
        {
            count *= d;
        }
        using var scope = NewDisposeScope();
        Tensor t = proto.RawData.Length > 0 || count == 0
            ? FromRaw(proto.RawData.Span, type, dims, count, where)
            : FromTyped(proto, type, dims, count, where);
        return t.to(device).MoveToOuterDisposeScope();
    }

    static Tensor FromRaw(ReadOnlySpan<byte> raw, ScalarType type, long[] dims, long count, string where)
    {
        int size = ElementSize(type);
        if (raw.Length != count * size)
        {
            throw new OnnxModelException(
                $"{where} has {raw.Length} bytes of raw data but its shape [{string.Join(",", dims)}] of {type} needs {count * size}. The file is damaged.");
        }
        return type switch
        {
            ScalarType.Float32 => tensor(MemoryMarshal.Cast<byte, float>(raw).ToArray(), dims),
            ScalarType.Float64 => tensor(MemoryMarshal.Cast<byte, double>(raw).ToArray(), dims),
            ScalarType.Int64 => tensor(MemoryMarshal.Cast<byte, long>(raw).ToArray(), dims),
            ScalarType.Int32 => tensor(MemoryMarshal.Cast<byte, int>(raw).ToArray(), dims),
            ScalarType.Int16 => tensor(MemoryMarshal.Cast<byte, short>(raw).ToArray(), dims),
            ScalarType.Int8 => tensor(MemoryMarshal.Cast<byte, sbyte>(raw).ToArray(), dims),
            ScalarType.Byte => tensor(raw.ToArray(), dims),
            ScalarType.Bool => tensor(raw.ToArray(), dims).to(ScalarType.Bool),
            ScalarType.Float16 => FromHalfBits(MemoryMarshal.Cast<byte, ushort>(raw).ToArray(), dims),
            _ => throw new OnnxModelException($"{where}: element type {type} cannot be read."),
        };
    }

    static Tensor FromTyped(TensorProto proto, ScalarType type, long[] dims, long count, string where)
    {
        long available = type switch
        {
            ScalarType.Float32 => proto.FloatData.Count,
            ScalarType.Float64 => proto.DoubleData.Count,
            ScalarType.Int64 => proto.Int64Data.Count,
            _ => proto.Int32Data.Count,
        };
        if (available != count)
        {
            throw new OnnxModelException(
                $"{where} has {available} values but its shape [{string.Join(",", dims)}] needs {count}. The file is damaged.");
        }
        return type switch
        {
            ScalarType.Float32 => tensor(proto.FloatData.ToArray(), dims),
            ScalarType.Float64 => tensor(proto.DoubleData.ToArray(), dims),
            ScalarType.Int64 => tensor(proto.Int64Data.ToArray(), dims),
            ScalarType.Int32 => tensor(proto.Int32Data.ToArray(), dims),
            ScalarType.Int16 => tensor(proto.Int32Data.Select(v => (short)v).ToArray(), dims),
            ScalarType.Int8 => tensor(proto.Int32Data.Select(v => (sbyte)v).ToArray(), dims),
            ScalarType.Byte => tensor(proto.Int32Data.Select(v => (byte)v).ToArray(), dims),
            ScalarType.Bool => tensor(proto.Int32Data.Select(v => v != 0).ToArray(), dims),
            // float16 typed values are stored as their 16 bit patterns in int32_data.
            ScalarType.Float16 => FromHalfBits(proto.Int32Data.Select(v => (ushort)v).ToArray(), dims),
            _ => throw new OnnxModelException($"{where}: element type {type} cannot be read."),
        };
    }

    // float16: widen each bit pattern exactly to float32 on the host, then narrow on the tensor.
    static Tensor FromHalfBits(ushort[] bits, long[] dims) =>
        tensor(bits.Select(b => (float)BitConverter.UInt16BitsToHalf(b)).ToArray(), dims).to(ScalarType.Float16);

    static int ElementSize(ScalarType type) => type switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Int16 or ScalarType.Float16 => 2,
        _ => 1,
    };

    /// <summary>Writes <paramref name="t"/> (any device) as a TensorProto named <paramref name="name"/>, values in raw_data.</summary>
    public static TensorProto FromTensor(Tensor t, string name)
    {
        using var scope = NewDisposeScope();
        Tensor c = t.detach().cpu().contiguous();
        var proto = new TensorProto { Name = name, DataType = OnnxDataTypes.FromTorch(c.dtype) };
        proto.Dims.AddRange(c.shape);
        byte[] bytes = c.dtype switch
        {
            ScalarType.Float32 => MemoryMarshal.AsBytes<float>(c.data<float>().ToArray()).ToArray(),
            ScalarType.Float64 => MemoryMarshal.AsBytes<double>(c.data<double>().ToArray()).ToArray(),
            ScalarType.Int64 => MemoryMarshal.AsBytes<long>(c.data<long>().ToArray()).ToArray(),
            ScalarType.Int32 => MemoryMarshal.AsBytes<int>(c.data<int>().ToArray()).ToArray(),
            ScalarType.Byte => c.data<byte>().ToArray(),
            ScalarType.Bool => c.to(ScalarType.Byte).data<byte>().ToArray(),
            _ => throw new OnnxModelException($"Tensor '{name}' of type {c.dtype} cannot be written to ONNX."),
        };
        proto.RawData = ByteString.CopyFrom(bytes);
        return proto;
    }
}
