using System.Runtime.InteropServices;
using SobolevRL.Envs.Registry;
using SobolevRL.Envs.Vector;

namespace SobolevRL.Envs.Tests.Vector;

/// <summary><see cref="VectorBuffers"/>: page-aligned, separate, zeroed, and usable wherever plain arrays are.</summary>
public class VectorBuffersTests
{
    private const int Page = 4096;

    [Theory]
    [InlineData(256, 400)]
    [InlineData(7, 100)]
    [InlineData(1, 1)]
    [InlineData(3000, 700)]
    public void EveryArrayIsZeroedHoldsOneEntryPerSubEnvAndHasPagesOfItsOwn(int numEnvs, int observationSize)
    {
        var buffers = new VectorBuffers(numEnvs, observationSize);
        Assert.Equal(numEnvs, buffers.NumEnvs);
        Assert.Equal(numEnvs * observationSize, buffers.Observations.Count);
        Assert.Equal(numEnvs, buffers.Actions.Count);
        Assert.Equal(numEnvs, buffers.Rewards.Count);
        Assert.Equal(numEnvs, buffers.Terminated.Count);
        Assert.Equal(numEnvs, buffers.Truncated.Count);
        Assert.All(buffers.Observations, b => Assert.Equal(0, b));
        Assert.All(buffers.Rewards, r => Assert.Equal(0f, r));
        Assert.All(buffers.Terminated, Assert.False);

        var ranges = new[] { Range(buffers.Observations), Range(buffers.Actions), Range(buffers.Rewards), Range(buffers.Terminated), Range(buffers.Truncated) };
        Assert.All(ranges, r => Assert.Equal(0, r.Start % Page));
        var sorted = ranges.OrderBy(r => r.Start).ToArray();
        for (int i = 1; i < sorted.Length; i++)
        {
            long lastPageOfPrevious = (sorted[i - 1].End - 1) / Page;
            Assert.True(sorted[i].Start / Page > lastPageOfPrevious, $"arrays share page {lastPageOfPrevious}");
        }
    }

    [Fact]
    public void SteppingThroughTheBuffersGivesWhatPlainArraysGive()
    {
        var registry = EnvRegistry.CreateDefault();
        const int numEnvs = 24;
        using var plainEnv = new ThreadedVectorEnv(_ => registry.Make("MinAtar/Breakout-v1"), numEnvs, 2);
        using var bufferedEnv = new ThreadedVectorEnv(_ => registry.Make("MinAtar/Breakout-v1"), numEnvs, 2);
        var buffers = VectorBuffers.For(bufferedEnv);
        Assert.Equal(numEnvs * bufferedEnv.SingleObservationSpace.Size, buffers.Observations.Count);
        var obs = new byte[buffers.Observations.Count];
        var rewards = new float[numEnvs];
        var terminated = new bool[numEnvs];
        var truncated = new bool[numEnvs];
        plainEnv.Reset(5, obs);
        buffers.Reset(bufferedEnv, 5);
        Assert.True(obs.AsSpan().SequenceEqual(buffers.Observations));
        var rng = new System.Random(3);
        int ends = 0;
        for (int t = 0; t < 200; t++)
        {
            var actions = buffers.Actions.AsSpan();
            for (int i = 0; i < numEnvs; i++) actions[i] = rng.Next(3);
            plainEnv.Step(buffers.Actions, obs, rewards, terminated, truncated);
            buffers.Step(bufferedEnv);
            Assert.True(obs.AsSpan().SequenceEqual(buffers.Observations), $"observations differ at step {t}");
            Assert.Equal(rewards, buffers.Rewards.ToArray());
            Assert.Equal(terminated, buffers.Terminated.ToArray());
            Assert.Equal(truncated, buffers.Truncated.ToArray());
            ends += terminated.Count(d => d);
        }
        Assert.True(ends > 0, "no episode ended, so auto-reset went untested");
    }

    [Fact]
    public void NonPositiveSizesAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new VectorBuffers(0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VectorBuffers(10, 0));
        Assert.Contains("fewer sub-envs", Assert.Throws<ArgumentOutOfRangeException>(() => new VectorBuffers(1 << 20, 1 << 12)).Message);
    }

    /// <summary>Byte addresses [Start, End) of a segment of a pinned array.</summary>
    private static (long Start, long End) Range<T>(ArraySegment<T> segment) where T : unmanaged
    {
        var handle = GCHandle.Alloc(segment.Array!, GCHandleType.Pinned);
        try
        {
            int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>(); // Marshal.SizeOf<bool>() is 4
            long start = handle.AddrOfPinnedObject() + (long)segment.Offset * size;
            return (start, start + (long)segment.Count * size);
        }
        finally
        {
            handle.Free();
        }
    }
}
