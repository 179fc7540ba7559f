using System.Runtime.InteropServices;
using SobolevRL.IO;
using static TorchSharp.torch;

namespace SobolevRL.Replay;

/// <summary>Converts gradient labels between float32 and their storage type (float16, bfloat16 as uint16 with round-to-nearest-even, float32).</summary>
public static class GradEncoding
{
    /// <summary>The stored bytes of <paramref name="values"/>.</summary>
    public static byte[] Encode(ReadOnlySpan<float> values, GradDtype dtype)
    {
        switch (dtype)
        {
            case GradDtype.Float32:
                return MemoryMarshal.AsBytes(values).ToArray();
            case GradDtype.Float16:
                {
                    var halves = new Half[values.Length];
                    for (int i = 0; i < values.Length; i++) halves[i] = (Half)values[i];
                    return MemoryMarshal.AsBytes(halves.AsSpan()).ToArray();
                }
            default:
                {
                    var bits = new ushort[values.Length];
                    for (int i = 0; i < values.Length; i++)
                    {
                        uint u = BitConverter.SingleToUInt32Bits(values[i]);
                        bits[i] = float.IsNaN(values[i]) ? (ushort)((u >> 16) | 0x40) : (ushort)((u + 0x7FFF + ((u >> 16) & 1)) >> 16);
                    }
                    return MemoryMarshal.AsBytes(bits.AsSpan()).ToArray();
                }
        }
    }

    /// <summary>
    /// The stored bytes of float32 <paramref name="values"/> (any device), converted by libtorch (vectorised, with the same
    /// round-to-nearest-even as <see cref="Encode(ReadOnlySpan{float}, GradDtype)"/>).
    /// </summary>
    public static byte[] Encode(Tensor values, GradDtype dtype)
    {
        var stored = new byte[values.numel() * dtype.Size()];
        Encode(values, dtype, stored);
        return stored;
    }

    /// <summary>As <see cref="Encode(Tensor, GradDtype)"/>, into <paramref name="destination"/> (exactly the stored size), e.g. a reused buffer.</summary>
    public static void Encode(Tensor values, GradDtype dtype, Span<byte> destination)
    {
        using var scope = NewDisposeScope();
        var stored = values.to(TorchType(dtype)).cpu().contiguous();
        var bytes = stored.bytes;
        if (bytes.Length != destination.Length)
            throw new ArgumentException($"the destination has {destination.Length} bytes, the labels {bytes.Length}", nameof(destination));
        bytes.CopyTo(destination);
    }

    /// <summary>The libtorch element type of a storage type.</summary>
    public static ScalarType TorchType(GradDtype dtype) => dtype switch
    {
        GradDtype.Float16 => ScalarType.Float16,
        GradDtype.BFloat16 => ScalarType.BFloat16,
        _ => ScalarType.Float32,
    };

    /// <summary>float32 values of stored bytes.</summary>
    public static float[] Decode(ReadOnlySpan<byte> stored, GradDtype dtype)
    {
        var values = new float[stored.Length / dtype.Size()];
        Decode(stored, dtype, values);
        return values;
    }

    /// <summary>Writes the float32 values of stored bytes into <paramref name="dest"/> (vectorised, exact; see <see cref="Widening"/>).</summary>
    public static void Decode(ReadOnlySpan<byte> stored, GradDtype dtype, Span<float> dest)
    {
        switch (dtype)
        {
            case GradDtype.Float16:
                Widening.HalvesToSingles(MemoryMarshal.Cast<byte, ushort>(stored), dest);
                break;
            case GradDtype.BFloat16:
                Widening.BFloat16sToSingles(MemoryMarshal.Cast<byte, ushort>(stored), dest);
                break;
            default:
                MemoryMarshal.Cast<byte, float>(stored).CopyTo(dest);
                break;
        }
    }
}
