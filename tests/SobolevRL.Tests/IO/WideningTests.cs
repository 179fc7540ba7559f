using System.Runtime.InteropServices;
using SobolevRL.IO;
using static TorchSharp.torch;

namespace SobolevRL.Tests.IO;

public sealed class WideningTests
{
    private static ushort[] EveryBitPattern() => [.. Enumerable.Range(0, 1 << 16).Select(i => (ushort)i)];

    private static Tensor Stored(ushort[] bits, ScalarType type)
    {
        var t = empty([bits.Length], type);
        MemoryMarshal.AsBytes(bits.AsSpan()).CopyTo(t.bytes);
        return t;
    }

    private static void AssertSameValues(float expected, float actual, int pattern)
    {
        if (float.IsNaN(expected)) Assert.True(float.IsNaN(actual) && float.IsNegative(expected) == float.IsNegative(actual), $"pattern 0x{pattern:X4}: {actual}");
        else Assert.True(BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(actual), $"pattern 0x{pattern:X4}: expected {expected:R}, got {actual:R}");
    }

    [Fact]
    public void EveryHalfBitPatternWidensAsDotnetAndLibtorchConvertIt()
    {
        var bits = EveryBitPattern();
        var widened = new float[bits.Length + 3];
        Widening.HalvesToSingles(bits, widened.AsSpan(3)); // unaligned destination, 16-wide body and no tail
        using var stored = Stored(bits, ScalarType.Float16);
        var torchValues = stored.to(ScalarType.Float32).data<float>().ToArray();
        for (int i = 0; i < bits.Length; i++)
        {
            AssertSameValues((float)BitConverter.UInt16BitsToHalf(bits[i]), widened[i + 3], i);
            AssertSameValues(torchValues[i], widened[i + 3], i);
        }
    }

    [Fact]
    public void EveryBFloat16BitPatternWidensAsLibtorchConvertsIt()
    {
        var bits = EveryBitPattern();
        var widened = new float[bits.Length];
        Widening.BFloat16sToSingles(bits, widened);
        using var stored = Stored(bits, ScalarType.BFloat16);
        var torchValues = stored.to(ScalarType.Float32).data<float>().ToArray();
        for (int i = 0; i < bits.Length; i++) AssertSameValues(torchValues[i], widened[i], i);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(32)]
    [InlineData(7056 + 13)]
    public void BytesWidenToTheirValuesWithAndWithoutATail(int length)
    {
        var bytes = Enumerable.Range(0, length).Select(i => (byte)(i * 37 + 11)).ToArray();
        var halves = Enumerable.Range(0, length).Select(i => (ushort)(i * 7919)).ToArray();
        var fromBytes = new float[length];
        var fromHalves = new float[length];
        Widening.BytesToSingles(bytes, fromBytes);
        Widening.HalvesToSingles(halves, fromHalves);
        for (int i = 0; i < length; i++)
        {
            Assert.Equal(bytes[i], fromBytes[i]);
            AssertSameValues((float)BitConverter.UInt16BitsToHalf(halves[i]), fromHalves[i], halves[i]);
        }
    }

    [Fact]
    public void ADestinationTooSmallIsRefused()
    {
        Assert.Throws<ArgumentException>(() => Widening.BytesToSingles(new byte[4], new float[3]));
        Assert.Throws<ArgumentException>(() => Widening.HalvesToSingles(new ushort[4], new float[3]));
        Assert.Throws<ArgumentException>(() => Widening.BFloat16sToSingles(new ushort[4], new float[3]));
    }
}
