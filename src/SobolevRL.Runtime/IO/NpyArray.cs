using System.Runtime.InteropServices;

namespace SobolevRL.IO;

/// <summary>An n-dimensional array as stored in a .npy file: element type, shape and the raw little-endian bytes in C order.</summary>
public sealed class NpyArray
{
    /// <summary>Wraps raw bytes; their length must equal the element count times the element size.</summary>
    public NpyArray(NpyDtype dtype, long[] shape, byte[] data)
    {
        if (shape.Any(d => d < 0)) throw new ArgumentException($"negative dimension in shape [{string.Join(", ", shape)}]", nameof(shape));
        Header = new NpyHeader(dtype, shape);
        if (data.LongLength != Header.DataBytes)
            throw new ArgumentException($"{data.LongLength} bytes do not hold a {dtype} array of shape [{string.Join(", ", shape)}] ({Header.DataBytes} bytes)", nameof(data));
        Data = data;
    }

    /// <summary>Element type and shape.</summary>
    public NpyHeader Header { get; }

    /// <summary>Element type.</summary>
    public NpyDtype Dtype => Header.Dtype;

    /// <summary>Dimensions.</summary>
    public long[] Shape => Header.Shape;

    /// <summary>Number of elements.</summary>
    public long Count => Header.Count;

    /// <summary>The raw little-endian element bytes in C order.</summary>
    public byte[] Data { get; }

    /// <summary>A float32 array (the values are copied).</summary>
    public static NpyArray FromFloats(ReadOnlySpan<float> values, params long[] shape) => new(NpyDtype.Float32, shape, MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>A uint8 array (the values are copied).</summary>
    public static NpyArray FromBytes(ReadOnlySpan<byte> values, params long[] shape) => new(NpyDtype.UInt8, shape, values.ToArray());

    /// <summary>An int64 array (the values are copied).</summary>
    public static NpyArray FromInt64(ReadOnlySpan<long> values, params long[] shape) => new(NpyDtype.Int64, shape, MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>A float16 array (the values are copied).</summary>
    public static NpyArray FromHalves(ReadOnlySpan<Half> values, params long[] shape) => new(NpyDtype.Float16, shape, MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>A bool array (the values are copied).</summary>
    public static NpyArray FromBools(ReadOnlySpan<bool> values, params long[] shape) => new(NpyDtype.Bool, shape, MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>The elements viewed as <typeparamref name="T"/>, which must match <see cref="Dtype"/> (float, byte, long, Half, bool).</summary>
    public ReadOnlySpan<T> As<T>() where T : unmanaged
    {
        NpyDtype expected = typeof(T) == typeof(float) ? NpyDtype.Float32
            : typeof(T) == typeof(byte) ? NpyDtype.UInt8
            : typeof(T) == typeof(long) ? NpyDtype.Int64
            : typeof(T) == typeof(Half) ? NpyDtype.Float16
            : typeof(T) == typeof(bool) ? NpyDtype.Bool
            : typeof(T) == typeof(int) ? NpyDtype.Int32
            : typeof(T) == typeof(ushort) ? NpyDtype.UInt16
            : throw new NotSupportedException($"{typeof(T).Name} is not an .npy element type");
        if (expected != Dtype) throw new InvalidOperationException($"array holds {Dtype}, not {expected}");
        return MemoryMarshal.Cast<byte, T>(Data);
    }

    /// <summary>All elements converted to float32 (any supported dtype).</summary>
    public float[] ToFloats()
    {
        var result = new float[Count];
        switch (Dtype)
        {
            case NpyDtype.Float32: As<float>().CopyTo(result); break;
            case NpyDtype.UInt8 or NpyDtype.Bool: for (int i = 0; i < result.Length; i++) result[i] = Data[i]; break;
            case NpyDtype.Float16: { var h = As<Half>(); for (int i = 0; i < result.Length; i++) result[i] = (float)h[i]; break; }
            case NpyDtype.Int64: { var l = As<long>(); for (int i = 0; i < result.Length; i++) result[i] = l[i]; break; }
            case NpyDtype.Int32: { var n = As<int>(); for (int i = 0; i < result.Length; i++) result[i] = n[i]; break; }
            case NpyDtype.UInt16: { var u = As<ushort>(); for (int i = 0; i < result.Length; i++) result[i] = u[i]; break; }
        }
        return result;
    }
}
