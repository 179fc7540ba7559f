using SobolevRL.Envs.Tests.TestEnvs;
using SobolevRL.Envs.Wrappers;

namespace SobolevRL.Envs.Tests.Wrappers;

public class StickyActionsTests
{
    private static int[] AppliedActions(double p, long seed, int[] requested)
    {
        using var env = new StickyActions(new CountingEnv(minLength: 10000, maxLength: 10000), p);
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(seed, obs);
        var applied = new int[requested.Length];
        for (int t = 0; t < requested.Length; t++)
        {
            env.Step(requested[t], obs);
            applied[t] = CountingEnv.ActionOf(obs);
            Assert.Equal(applied[t], env.PreviousAction);
        }
        return applied;
    }

    private static int[] RandomActions(int n, int seed)
    {
        var rng = new System.Random(seed);
        return Enumerable.Range(0, n).Select(_ => rng.Next(4)).ToArray();
    }

    [Fact]
    public void ProbabilityZeroAppliesTheRequestedActions()
    {
        var requested = RandomActions(200, 1);
        Assert.Equal(requested, AppliedActions(0, 5, requested));
    }

    [Fact]
    public void ProbabilityOneKeepsTheNoOpFromReset()
    {
        Assert.All(AppliedActions(1, 5, RandomActions(50, 2)), a => Assert.Equal(0, a));
    }

    [Fact]
    public void RepeatsAboutTheRequestedFractionAndIsReproducibleFromTheSeed()
    {
        var requested = RandomActions(4000, 3);
        var applied = AppliedActions(0.25, 11, requested);
        Assert.Equal(applied, AppliedActions(0.25, 11, requested));
        Assert.NotEqual(applied, AppliedActions(0.25, 12, requested));
        int previous = 0, deviations = 0, changes = 0;
        for (int t = 0; t < requested.Length; t++)
        {
            if (applied[t] != requested[t])
            {
                Assert.Equal(previous, applied[t]);
                deviations++;
            }
            if (requested[t] != previous) changes++;
            previous = applied[t];
        }
        // A repeat is only visible when the requested action differs from the previous one.
        double visibleRate = (double)deviations / changes;
        Assert.InRange(visibleRate, 0.20, 0.30);
    }

    [Fact]
    public void InvalidActionThrowsAndDrawsNothing()
    {
        var requested = RandomActions(100, 4);
        using var env = new StickyActions(new CountingEnv(minLength: 10000, maxLength: 10000), 0.5);
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(7, obs);
        Assert.Throws<ArgumentOutOfRangeException>(() => env.Step(4, obs));
        var applied = new List<int>();
        foreach (int a in requested)
        {
            env.Step(a, obs);
            applied.Add(CountingEnv.ActionOf(obs));
        }
        Assert.Equal(AppliedActions(0.5, 7, requested), applied);
    }

    [Fact]
    public void RejectsProbabilitiesOutsideTheUnitInterval()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StickyActions(new CountingEnv(), 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StickyActions(new CountingEnv(), double.NaN));
    }
}
