using SobolevRL.Envs.Core;
using SobolevRL.Envs.Wrappers.Atari;

namespace SobolevRL.Envs.Tests.Ale;

public class MaxPoolFrameSkipTests
{
    private static byte[] Expected(int frame, int size, bool pooled)
    {
        var expected = new byte[size];
        for (int i = 0; i < size; i++)
            expected[i] = pooled ? Math.Max(ScriptedFrameEnv.Pixel(frame, i), ScriptedFrameEnv.Pixel(frame - 1, i)) : ScriptedFrameEnv.Pixel(frame, i);
        return expected;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SumsRewardsAndMaxPoolsTheLastTwoFrames(bool deferred)
    {
        var inner = new ScriptedFrameEnv(reward: k => k);
        using var env = new MaxPoolFrameSkip(deferred ? inner : new PlainEnv(inner), 4);
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(7, obs);
        Assert.Equal(Expected(0, obs.Length, pooled: false), obs);
        var first = env.Step(2, obs);
        Assert.Equal(1 + 2 + 3 + 4, first.Reward);
        Assert.Equal(Expected(4, obs.Length, pooled: true), obs);
        var second = env.Step(1, obs);
        Assert.Equal(5 + 6 + 7 + 8, second.Reward);
        Assert.Equal(Expected(8, obs.Length, pooled: true), obs);
        Assert.Equal([2, 2, 2, 2, 1, 1, 1, 1], inner.Actions);
        Assert.False(second.Done);
    }

    [Fact]
    public void ReadsOnlyTheTwoKeptFramesOfADeferringEnvironment()
    {
        var inner = new ScriptedFrameEnv();
        using var env = new MaxPoolFrameSkip(inner, 4);
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(null, obs);
        int before = inner.ObservationWrites;
        env.Step(0, obs);
        env.Step(0, obs);
        Assert.Equal(4, inner.ObservationWrites - before);
    }

    [Theory]
    [InlineData(true, 5)]
    [InlineData(false, 5)]
    [InlineData(true, 7)]
    [InlineData(false, 7)]
    [InlineData(true, 8)]
    [InlineData(false, 8)]
    public void StopsAtTheEndOfTheEpisodeAndObservesTheFinalFrame(bool deferred, int episodeFrames)
    {
        var inner = new ScriptedFrameEnv(episodeFrames: episodeFrames, reward: _ => 1);
        using var env = new MaxPoolFrameSkip(deferred ? inner : new PlainEnv(inner), 4);
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(null, obs);
        Assert.False(env.Step(0, obs).Done);
        var last = env.Step(0, obs);
        Assert.True(last.Terminated);
        Assert.Equal(episodeFrames - 4, last.Reward);
        Assert.Equal(episodeFrames, inner.Frame);
        // A complete skip ends with the usual max of the last two; a cut one with the final frame alone.
        Assert.Equal(Expected(episodeFrames, obs.Length, pooled: episodeFrames == 8), obs);
    }

    [Fact]
    public void SkipOfOneIsThePlainEnvironment()
    {
        var inner = new ScriptedFrameEnv();
        using var env = new MaxPoolFrameSkip(inner, 1);
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(null, obs);
        Assert.Equal(1, env.Step(0, obs).Reward);
        Assert.Equal(Expected(1, obs.Length, pooled: false), obs);
    }

    [Fact]
    public void InvalidActionThrowsAndLeavesTheStateUnchanged()
    {
        var inner = new ScriptedFrameEnv();
        using var env = new MaxPoolFrameSkip(inner, 4);
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(null, obs);
        byte[] before = [.. obs];
        Assert.Throws<ArgumentOutOfRangeException>(() => env.Step(3, obs));
        Assert.Equal(0, inner.Frame);
        Assert.Equal(before, obs);
    }

    [Fact]
    public void RejectsAWrongBufferSize()
    {
        using var env = new MaxPoolFrameSkip(new ScriptedFrameEnv(), 4);
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(null, obs);
        Assert.Throws<ArgumentException>(() => env.Step(0, new byte[obs.Length + 1]));
    }

    [Fact]
    public void MaxInPlaceIsElementwiseAcrossVectorAndTailLengths()
    {
        var rng = new System.Random(5);
        foreach (int length in new[] { 0, 1, 31, 32, 33, 100, 33600 })
        {
            var a = new byte[length];
            var b = new byte[length];
            rng.NextBytes(a);
            rng.NextBytes(b);
            var expected = a.Zip(b, (x, y) => Math.Max(x, y)).ToArray();
            MaxPoolFrameSkip.MaxInPlace(a, b);
            Assert.Equal(expected, a);
        }
    }
}
