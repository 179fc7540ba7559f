using SobolevRL.Envs.Core;
using SobolevRL.Envs.Tests.TestEnvs;
using SobolevRL.Envs.Wrappers;

namespace SobolevRL.Envs.Tests.Wrappers;

public class TimeLimitTests
{
    [Fact]
    public void TruncatesAtTheLimitWithoutTerminating()
    {
        using var env = new TimeLimit(new CountingEnv(minLength: 100, maxLength: 100), 5);
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(1, obs);
        for (int t = 1; t <= 5; t++)
        {
            var r = env.Step(1, obs);
            Assert.False(r.Terminated);
            Assert.Equal(t == 5, r.Truncated);
            Assert.Equal(t, env.ElapsedSteps);
        }
        Assert.Throws<InvalidOperationException>(() => env.Step(1, obs));
        env.Reset(null, obs);
        Assert.Equal(0, env.ElapsedSteps);
        Assert.False(env.Step(1, obs).Done);
    }

    [Fact]
    public void GameEndingOnTheLimitStepReportsBoth()
    {
        using var env = new TimeLimit(new CountingEnv(minLength: 4, maxLength: 4), 4);
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(3, obs);
        for (int t = 0; t < 3; t++) Assert.False(env.Step(0, obs).Done);
        var last = env.Step(0, obs);
        Assert.True(last.Terminated);
        Assert.True(last.Truncated);
    }

    [Fact]
    public void ShorterEpisodesPassThroughUnchanged()
    {
        using var inner = new CountingEnv(minLength: 3, maxLength: 3);
        using var env = new TimeLimit(new CountingEnv(minLength: 3, maxLength: 3), 10);
        var a = new byte[env.ObservationSpace.Size];
        var b = new byte[env.ObservationSpace.Size];
        inner.Reset(9, a);
        env.Reset(9, b);
        for (int t = 0; t < 3; t++)
        {
            var expected = inner.Step(2, a);
            Assert.Equal(expected, env.Step(2, b));
            Assert.Equal(a, b);
        }
    }
}
