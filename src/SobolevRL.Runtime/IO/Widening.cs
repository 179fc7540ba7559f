using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SobolevRL.IO;

/// <summary>
/// Exact, vectorised conversions of stored elements to float32, written straight into the destination (one pass, no
/// staging copy): uint8 frames, float16 and bfloat16 (as uint16 bits) gradient labels. Every result equals the scalar
/// conversion bit for bit (NaNs stay NaNs with their sign).
/// </summary>
public static class Widening
{
    /// <summary>Writes <c>dest[i] = source[i]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // tier-0 code of vector intrinsics is many times slower
    public static void BytesToSingles(ReadOnlySpan<byte> source, Span<float> dest)
    {
        if (dest.Length < source.Length) throw new ArgumentException($"destination holds {dest.Length} values, source has {source.Length}");
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref byte s = ref MemoryMarshal.GetReference(source);
            ref float d = ref MemoryMarshal.GetReference(dest);
            for (; i + 32 <= source.Length; i += 32)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref s, (nuint)i));
                var (a, b) = Vector256.Widen(lo);
                var (c, e) = Vector256.Widen(hi);
                Vector256.ConvertToSingle(a.AsInt32()).StoreUnsafe(ref d, (nuint)i);
                Vector256.ConvertToSingle(b.AsInt32()).StoreUnsafe(ref d, (nuint)i + 8);
                Vector256.ConvertToSingle(c.AsInt32()).StoreUnsafe(ref d, (nuint)i + 16);
                Vector256.ConvertToSingle(e.AsInt32()).StoreUnsafe(ref d, (nuint)i + 24);
            }
        }
        for (; i < source.Length; i++) dest[i] = source[i];
    }

    /// <summary>Writes the float32 value of each IEEE binary16 bit pattern in <paramref name="source"/>.</summary>
    public static void HalvesToSingles(ReadOnlySpan<ushort> source, Span<float> dest) => Widen16<Binary16>(source, dest);

    /// <summary>Writes the float32 value of each bfloat16 bit pattern in <paramref name="source"/> (its upper 16 bits).</summary>
    public static void BFloat16sToSingles(ReadOnlySpan<ushort> source, Span<float> dest) => Widen16<BFloat16>(source, dest);

    private interface IBits16
    {
        static abstract Vector256<float> Widen(Vector256<uint> bits);

        static abstract float Widen(ushort bits);
    }

    private readonly struct Binary16 : IBits16
    {
        public static Vector256<float> Widen(Vector256<uint> bits) => HalfBitsToSingle(bits);

        public static float Widen(ushort bits) => (float)BitConverter.UInt16BitsToHalf(bits);
    }

    private readonly struct BFloat16 : IBits16
    {
        public static Vector256<float> Widen(Vector256<uint> bits) => Vector256.ShiftLeft(bits, 16).AsSingle();

        public static float Widen(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Widen16<T>(ReadOnlySpan<ushort> source, Span<float> dest) where T : struct, IBits16
    {
        if (dest.Length < source.Length) throw new ArgumentException($"destination holds {dest.Length} values, source has {source.Length}");
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref ushort s = ref MemoryMarshal.GetReference(source);
            ref float d = ref MemoryMarshal.GetReference(dest);
            for (; i + 16 <= source.Length; i += 16)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref s, (nuint)i));
                T.Widen(lo).StoreUnsafe(ref d, (nuint)i);
                T.Widen(hi).StoreUnsafe(ref d, (nuint)i + 8);
            }
        }
        for (; i < source.Length; i++) dest[i] = T.Widen(source[i]);
    }

    // Integer-only re-biasing, so no subnormal float is ever an operand (those are slow on x86):
    // normal halves move their exponent from bias 15 to 127; infinities and NaNs (exponent 31) go to exponent 255;
    // zeros and subnormals are mantissa · 2^-24, computed from the integer mantissa (exact: the result is a normal float).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> HalfBitsToSingle(Vector256<uint> h)
    {
        var exponent = h & Vector256.Create(0x7C00u);
        var magnitude = Vector256.ShiftLeft(h & Vector256.Create(0x7FFFu), 13) + Vector256.Create(0x3800_0000u);
        var special = Vector256.Equals(exponent, Vector256.Create(0x7C00u));
        magnitude += special & Vector256.Create(0x3800_0000u);
        var small = Vector256.ConvertToSingle((h & Vector256.Create(0x03FFu)).AsInt32()) * Vector256.Create(1f / 16_777_216f);
        magnitude = Vector256.ConditionalSelect(Vector256.Equals(exponent, Vector256<uint>.Zero), small.AsUInt32(), magnitude);
        return (magnitude | Vector256.ShiftLeft(h & Vector256.Create(0x8000u), 16)).AsSingle();
    }
}
