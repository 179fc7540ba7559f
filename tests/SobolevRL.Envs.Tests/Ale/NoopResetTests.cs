using SobolevRL.Envs.Wrappers.Atari;

namespace SobolevRL.Envs.Tests.Ale;

public class NoopResetTests
{
    [Fact]
    public void TakesOneToNoopMaxNoopsCoveringTheRange()
    {
        var inner = new ScriptedFrameEnv();
        using var env = new NoopReset(inner, noopMax: 30);
        var obs = new byte[env.ObservationSpace.Size];
        var seen = new HashSet<int>();
        env.Reset(123, obs);
        for (int i = 0; i < 600; i++)
        {
            if (i > 0) env.Reset(null, obs);
            Assert.InRange(env.LastNoopCount, 1, 30);
            Assert.Equal(env.LastNoopCount, inner.Frame);
            Assert.All(inner.Actions, a => Assert.Equal(0, a));
            inner.Actions.Clear();
            seen.Add(env.LastNoopCount);
        }
        Assert.Equal(30, seen.Count);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ObservesTheStateAfterTheNoops(bool deferred)
    {
        var inner = new ScriptedFrameEnv();
        using var env = new NoopReset(deferred ? inner : new PlainEnv(inner), noopMax: 30);
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(9, obs);
        for (int i = 0; i < obs.Length; i++) Assert.Equal(ScriptedFrameEnv.Pixel(inner.Frame, i), obs[i]);
        // The deferred path reads the screen once, after the last no-op.
        if (deferred) Assert.Equal(2, inner.ObservationWrites);
        var written = new byte[obs.Length];
        env.WriteObservation(written);
        Assert.Equal(obs, written);
    }

    [Fact]
    public void SameSeedSameNoopCounts()
    {
        int[] Counts(long seed)
        {
            using var env = new NoopReset(new ScriptedFrameEnv(), noopMax: 30);
            var obs = new byte[env.ObservationSpace.Size];
            var counts = new int[20];
            env.Reset(seed, obs);
            counts[0] = env.LastNoopCount;
            for (int i = 1; i < counts.Length; i++)
            {
                env.Reset(null, obs);
                counts[i] = env.LastNoopCount;
            }
            return counts;
        }
        Assert.Equal(Counts(42), Counts(42));
        Assert.NotEqual(Counts(42), Counts(43));
    }

    [Fact]
    public void ZeroDisablesTheNoops()
    {
        var inner = new ScriptedFrameEnv();
        using var env = new NoopReset(inner, noopMax: 0);
        env.Reset(1, new byte[env.ObservationSpace.Size]);
        Assert.Equal(0, inner.Frame);
        Assert.Equal(0, env.LastNoopCount);
    }

    [Fact]
    public void AnEpisodeEndingDuringTheNoopsIsResetAgain()
    {
        var inner = new ScriptedFrameEnv(episodeFrames: 1);
        using var env = new NoopReset(inner, noopMax: 30);
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(3, obs);
        Assert.Equal(1, env.LastNoopCount);
        Assert.Equal(2, inner.Resets);
        Assert.Equal([3, null], inner.ResetSeeds);
        Assert.Equal(0, inner.Frame);
    }
}
