using SobolevRL.Envs.Core;
using SobolevRL.Envs.MinAtar;
using SobolevRL.Envs.Random;
using static SobolevRL.Envs.Tests.MinAtar.MinAtarTestKit;

namespace SobolevRL.Envs.Tests.MinAtar;

public class MinAtarEnvTests
{
    private static readonly string[] Games = ["Asterix", "Breakout", "Freeway"];

    [Fact]
    public void FamilyListsAndMakesV0AndV1OfEveryGame()
    {
        var family = new MinAtarFamily();
        Assert.Equal("MinAtar/", family.Prefix);
        var ids = family.Ids.Select(i => i.Id).ToHashSet();
        var expectedMinimal = new Dictionary<string, int[]>
        {
            ["Asterix"] = [0, 1, 2, 3, 4],
            ["Breakout"] = [0, 1, 3],
            ["Freeway"] = [0, 2, 4],
        };
        var channels = new Dictionary<string, int> { ["Asterix"] = 4, ["Breakout"] = 4, ["Freeway"] = 7 };
        foreach (string game in Games)
        {
            Assert.Contains($"MinAtar/{game}-v0", ids);
            Assert.Contains($"MinAtar/{game}-v1", ids);
            using var v0 = family.Make($"MinAtar/{game}-v0", EnvOptions.Empty);
            using var v1 = (MinAtarEnv)family.Make($"MinAtar/{game}-v1", EnvOptions.Empty);
            Assert.Equal($"MinAtar/{game}-v0", v0.Id);
            Assert.Equal($"MinAtar/{game}-v1", v1.Id);
            Assert.Equal(6, v0.ActionSpace.N);
            Assert.Equal(expectedMinimal[game].Length, v1.ActionSpace.N);
            Assert.Equal(expectedMinimal[game], Enumerable.Range(0, v1.ActionSpace.N).Select(v1.ToFullAction));
            Assert.Equal(new BoxSpace([channels[game], 10, 10], 0, 1), v0.ObservationSpace);
            Assert.Equal(channels[game], v1.Game.ChannelNames.Count);
            Assert.Equal(0.1, v1.StickyActionProbability);
            Assert.True(v1.Ramping);
        }
        Assert.All(family.Options, o => Assert.False(string.IsNullOrWhiteSpace(o.Meaning)));
    }

    [Theory]
    [InlineData("MinAtar/Pong-v0")]
    [InlineData("MinAtar/Breakout-v2")]
    [InlineData("MinAtar/breakout-v0")]
    [InlineData("ALE/Breakout-v5")]
    public void UnknownIdsNameTheKnownOnes(string id)
    {
        var e = Assert.Throws<EnvException>(() => new MinAtarFamily().Make(id, EnvOptions.Empty));
        Assert.Contains(id, e.Message);
        Assert.Contains("MinAtar/Breakout-v0", e.Message);
    }

    [Theory]
    [InlineData("sticky_action_prob=1.5")]
    [InlineData("sticky_action_prob=abc")]
    [InlineData("ramping=maybe")]
    [InlineData("max_episode_steps=-1")]
    [InlineData("frame_skip=4")]
    public void BadOptionsAreReported(string option)
    {
        var e = Assert.Throws<EnvException>(() => new MinAtarFamily().Make("MinAtar/Asterix-v1", EnvOptions.Parse([option])));
        Assert.Contains(option.Split('=')[0], e.Message);
    }

    [Fact]
    public void OptionsReachTheEnvironment()
    {
        using var env = (MinAtarEnv)new MinAtarFamily().Make("MinAtar/Asterix-v0",
            EnvOptions.Parse(["sticky_action_prob=0.25", "ramping=false", "max_episode_steps=100"]));
        Assert.Equal(0.25, env.StickyActionProbability);
        Assert.False(env.Ramping);
        Assert.Equal(100, env.MaxEpisodeSteps);
    }

    [Fact]
    public void InvalidActionThrowsAndLeavesTheStateUnchanged()
    {
        foreach (string game in Games)
        {
            using var a = Make(game, sticky: 0.1, version: 1);
            using var b = Make(game, sticky: 0.1, version: 1);
            var obsA = new byte[a.ObservationSpace.Size];
            var obsB = new byte[b.ObservationSpace.Size];
            a.Reset(9, obsA);
            b.Reset(9, obsB);
            var actions = new System.Random(1);
            for (int step = 0; step < 300; step++)
            {
                if (step % 7 == 0)
                {
                    Assert.Throws<ArgumentOutOfRangeException>(() => a.Step(a.ActionSpace.N, obsA));
                    Assert.Throws<ArgumentOutOfRangeException>(() => a.Step(-1, obsA));
                }
                int action = actions.Next(a.ActionSpace.N);
                var ra = a.Step(action, obsA);
                var rb = b.Step(action, obsB);
                Assert.Equal(rb, ra);
                Assert.Equal(obsB, obsA);
                if (ra.Done)
                {
                    a.Reset(null, obsA);
                    b.Reset(null, obsB);
                }
            }
        }
    }

    [Fact]
    public void SteppingBeforeResetOrAfterTheEndThrows()
    {
        using var env = Make("Breakout");
        var obs = new byte[env.ObservationSpace.Size];
        Assert.Throws<InvalidOperationException>(() => env.Step(0, obs));
        env.Reset(0, obs);
        while (!env.Step(0, obs).Done) { }
        Assert.Throws<InvalidOperationException>(() => env.Step(0, obs));
        env.Reset(null, obs);
        env.Step(0, obs);
    }

    [Fact]
    public void BadBuffersAndSeedsAreRejected()
    {
        using var env = Make("Freeway");
        Assert.Throws<ArgumentException>(() => env.Reset(0, new byte[400]));
        Assert.Throws<ArgumentOutOfRangeException>(() => env.Reset(-1, new byte[700]));
        Assert.Throws<ArgumentOutOfRangeException>(() => env.Reset(1L << 32, new byte[700]));
        env.Reset(uint.MaxValue, new byte[700]);
        Assert.Throws<ArgumentException>(() => env.Step(0, new byte[701]));
    }

    [Fact]
    public void ReseedingReproducesAFreshEnvironmentAndResetWithoutSeedContinues()
    {
        foreach (string game in Games)
        {
            using var played = Make(game, sticky: 0.3);
            var obs = new byte[played.ObservationSpace.Size];
            played.Reset(123, obs);
            for (int i = 0; i < 57; i++) if (played.Step(5 - i % 6, obs).Done) played.Reset(null, obs);
            var first = Trajectory(played, 77, 400);
            using var fresh = Make(game, sticky: 0.3);
            Assert.Equal(first, Trajectory(fresh, 77, 400));
            // Two environments on the same seed stay equal across unseeded resets.
            Assert.Equal(Trajectory(played, null, 400), Trajectory(fresh, null, 400));
        }
    }

    private static List<string> Trajectory(MinAtarEnv env, long? seed, int steps)
    {
        var obs = new byte[env.ObservationSpace.Size];
        var log = new List<string>();
        env.Reset(seed, obs);
        for (int i = 0; i < steps; i++)
        {
            var r = env.Step(i * 7 % 6, obs);
            log.Add($"{r} {Convert.ToHexString(obs)}");
            if (r.Done) env.Reset(null, obs);
        }
        return log;
    }

    /// <summary>
    /// Breakout draws once at reset (the ball's side) and never during play, so the sticky draws can be predicted with
    /// a second generator: each step draws one uniform number and repeats the previously executed action when it is
    /// below the probability.
    /// </summary>
    [Fact]
    public void StickyActionsRepeatTheLastExecutedActionExactlyWhenTheDrawSaysSo()
    {
        using var env = Make("Breakout", sticky: 0.4);
        var obs = new byte[env.ObservationSpace.Size];
        var shadow = new NumpyRandomState(31);
        env.Reset(31, obs);
        shadow.RandInt(0, 2);
        int previous = 0, repeats = 0;
        for (int step = 0; step < 2000; step++)
        {
            int action = (step * 5 + step / 3) % 6;
            int expected = shadow.Rand() < 0.4 ? previous : action;
            if (expected != action) repeats++;
            var r = env.Step(action, obs);
            Assert.Equal(expected, env.LastExecutedAction);
            previous = expected;
            if (r.Done)
            {
                env.Reset(null, obs); // the remembered action survives a reset without seed
                shadow.RandInt(0, 2);
            }
        }
        Assert.InRange(repeats, 400, 800);
    }

    [Fact]
    public void FullyStickyActionsNeverLeaveNoop()
    {
        using var env = Make("Breakout", sticky: 1, version: 1);
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(0, obs);
        for (int i = 0; i < 4; i++) env.Step(2, obs);
        Assert.Equal(0, env.LastExecutedAction);
        Assert.Equal((9, 4), Single(obs, 0));
    }

    [Fact]
    public void MinimalActionSetMapsToTheFullSet()
    {
        using var env = Make("Breakout", version: 1);
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(0, obs);
        env.Step(2, obs); // v1 action 2 is "right"
        Assert.Equal(3, env.LastExecutedAction);
        Assert.Equal((9, 5), Single(obs, 0));
    }

    [Fact]
    public void MaxEpisodeStepsTruncates()
    {
        using var env = (MinAtarEnv)new MinAtarFamily().Make("MinAtar/Freeway-v1", EnvOptions.Parse(["max_episode_steps=50"]));
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(0, obs);
        for (int i = 1; i < 50; i++) Assert.False(env.Step(1, obs).Done);
        var last = env.Step(1, obs);
        Assert.True(last.Truncated);
        Assert.False(last.Terminated);
        Assert.Equal(50, env.EpisodeStep);
        Assert.Throws<InvalidOperationException>(() => env.Step(1, obs));
    }

    [Fact]
    public void ObservationsAreBinaryAndOverwriteTheWholeBuffer()
    {
        foreach (string game in Games)
        {
            using var env = Make(game, sticky: 0.1);
            var obs = new byte[env.ObservationSpace.Size];
            Array.Fill(obs, (byte)7);
            env.Reset(5, obs);
            for (int i = 0; i < 500; i++)
            {
                Assert.All(obs, b => Assert.True(b <= 1));
                Array.Fill(obs, (byte)7);
                if (env.Step(i % 6, obs).Done) env.Reset(null, obs);
            }
        }
    }
}
