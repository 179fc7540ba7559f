using SobolevRL.Envs.Core;
using SobolevRL.Envs.Registry;
using SobolevRL.Envs.Tests.TestEnvs;
using SobolevRL.Envs.Vector;
using SobolevRL.Envs.Wrappers;

namespace SobolevRL.Envs.Tests.Vector;

public class VectorEnvTests
{
    private static readonly EnvRegistry Registry = EnvRegistry.CreateDefault();

    private static IEnv MakeBreakout(int _) => Registry.Make("MinAtar/Breakout-v1");

    [Fact]
    public void MatchesSingleEnvsSeededWithSeedPlusIndexAndAutoResetsOnTheSameStep()
    {
        const int numEnvs = 3, steps = 400;
        const long seed = 100;
        using var venv = new SyncVectorEnv(MakeBreakout, numEnvs);
        var rollout = VectorRollout.Run(venv, seed, steps, actionSeed: 9);
        Assert.True(rollout.EpisodeEnds >= 3, "the run should cover several episode ends");

        var actionRng = new System.Random(9);
        var actions = new int[steps, numEnvs];
        for (int t = 0; t < steps; t++)
            for (int i = 0; i < numEnvs; i++) actions[t, i] = actionRng.Next(venv.ActionSpace.N);

        int size = venv.SingleObservationSpace.Size;
        for (int i = 0; i < numEnvs; i++)
        {
            using var env = MakeBreakout(i);
            var obs = new byte[size];
            env.Reset(seed + i, obs);
            Assert.Equal(obs, rollout.Observations[0][(i * size)..((i + 1) * size)]);
            for (int t = 0; t < steps; t++)
            {
                var r = env.Step(actions[t, i], obs);
                Assert.Equal(r.Reward, rollout.Rewards[t][i]);
                Assert.Equal(r.Terminated, rollout.Terminated[t][i]);
                Assert.Equal(r.Truncated, rollout.Truncated[t][i]);
                if (r.Done)
                {
                    Assert.Equal(obs, rollout.FinalObservations[t][(i * size)..((i + 1) * size)]);
                    env.Reset(null, obs);
                }
                Assert.Equal(obs, rollout.Observations[t + 1][(i * size)..((i + 1) * size)]);
            }
        }
    }

    [Fact]
    public void SameResultsWithOneTwoAndThreeThreads()
    {
        const int numEnvs = 5, steps = 300;
        using var sync = new SyncVectorEnv(MakeBreakout, numEnvs);
        var reference = VectorRollout.Run(sync, 7, steps, actionSeed: 3);
        Assert.True(reference.EpisodeEnds >= 3);
        foreach (int threads in new[] { 1, 2, 3 })
        {
            using var threaded = new ThreadedVectorEnv(MakeBreakout, numEnvs, threads);
            Assert.Equal(threads, threaded.Threads);
            VectorRollout.Run(threaded, 7, steps, actionSeed: 3).AssertSameAs(reference);
        }
    }

    [Fact]
    public void FinalInfoHoldsTheEndingStepAndInfoTheReset()
    {
        using var venv = new ThreadedVectorEnv(_ => new CountingEnv(), 2, 2);
        var obs = new byte[2 * venv.SingleObservationSpace.Size];
        var rewards = new float[2];
        var terminated = new bool[2];
        var truncated = new bool[2];
        venv.Reset(0, obs);
        int ends = 0;
        for (int t = 0; t < 100; t++)
        {
            venv.Step([1, 2], obs, rewards, terminated, truncated);
            for (int i = 0; i < 2; i++)
            {
                if (!terminated[i]) continue;
                ends++;
                var final = venv.FinalObservation(i);
                Assert.Equal(CountingEnv.LengthOf(final), CountingEnv.StepOf(final));
                Assert.Equal(CountingEnv.StepOf(final), venv.FinalInfo(i).Get("step"));
                Assert.Equal(0, CountingEnv.StepOf(obs.AsSpan(i * venv.SingleObservationSpace.Size)));
                Assert.NotNull(venv.Info(i).Get("reset_length"));
            }
        }
        Assert.True(ends > 5);
    }

    [Theory]
    [InlineData(3, 3, new[] { 2 }, 2)]
    [InlineData(16, 2, new[] { 9, 3 }, 3)]
    [InlineData(16, 1, new[] { 15 }, 15)]
    public void WorkerErrorIsRethrownOnTheCallerWithItsTypeAndTheLowestIndex(int numEnvs, int threads, int[] failing, int reported)
    {
        using var venv = new ThreadedVectorEnv(i => new CountingEnv(throwAtTotalStep: failing.Contains(i) ? 4 : null), numEnvs, threads);
        var obs = new byte[numEnvs * venv.SingleObservationSpace.Size];
        var actions = new int[numEnvs];
        var rewards = new float[numEnvs];
        var terminated = new bool[numEnvs];
        var truncated = new bool[numEnvs];
        venv.Reset(0, obs);
        for (int t = 0; t < 3; t++) venv.Step(actions, obs, rewards, terminated, truncated);
        var e = Assert.Throws<InvalidDataException>(() => venv.Step(actions, obs, rewards, terminated, truncated));
        Assert.Equal(reported, e.Data["sub_env"]);
        Assert.Throws<InvalidOperationException>(() => venv.Step(actions, obs, rewards, terminated, truncated));
        venv.Reset(1, obs);
        venv.Step(actions, obs, rewards, terminated, truncated);
    }

    [Fact]
    public void InvalidActionThrowsBeforeAnySubEnvMoves()
    {
        using var a = new ThreadedVectorEnv(MakeBreakout, 3, 2);
        using var b = new SyncVectorEnv(MakeBreakout, 3);
        var obsA = new byte[3 * a.SingleObservationSpace.Size];
        var obsB = new byte[obsA.Length];
        var r = new float[3];
        var te = new bool[3];
        var tr = new bool[3];
        a.Reset(5, obsA);
        b.Reset(5, obsB);
        Assert.Throws<ArgumentOutOfRangeException>(() => a.Step([0, 1, 99], obsA, r, te, tr));
        for (int t = 0; t < 20; t++)
        {
            a.Step([1, 2, 0], obsA, r, te, tr);
            b.Step([1, 2, 0], obsB, r, te, tr);
            Assert.Equal(obsB, obsA);
        }
    }

    [Fact]
    public void StepBeforeResetAndWrongBufferSizesAreRejected()
    {
        using var venv = new SyncVectorEnv(_ => new CountingEnv(), 2);
        var obs = new byte[2 * venv.SingleObservationSpace.Size];
        Assert.Throws<InvalidOperationException>(() => venv.Step([0, 0], obs, new float[2], new bool[2], new bool[2]));
        venv.Reset(null, obs);
        Assert.Throws<ArgumentException>(() => venv.Step([0], obs, new float[2], new bool[2], new bool[2]));
        Assert.Throws<ArgumentException>(() => venv.Step([0, 0], obs.AsSpan(1), new float[2], new bool[2], new bool[2]));
        Assert.Throws<ArgumentException>(() => venv.Reset(null, new byte[3]));
    }

    [Fact]
    public void DisposeDisposesEverySubEnv()
    {
        var made = new List<CountingEnv>();
        var venv = new ThreadedVectorEnv(_ => { var env = new CountingEnv(); made.Add(env); return env; }, 4, 3);
        venv.Dispose();
        venv.Dispose();
        Assert.All(made, env => Assert.True(env.Disposed));
    }

    [Fact]
    public void SubEnvsWithDifferentSpacesAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new SyncVectorEnv(i => new CountingEnv(actions: 3 + i), 2));
    }

    [Fact(Timeout = 60_000)]
    public async Task WorkersThatFellAsleepBetweenStepsAreWokenEveryTime()
    {
        await Task.Run(() =>
        {
            using var threaded = new ThreadedVectorEnv(MakeBreakout, 3, 3);
            using var sync = new SyncVectorEnv(MakeBreakout, 3);
            var a = new byte[3 * sync.SingleObservationSpace.Size];
            var b = new byte[a.Length];
            var r = new float[3];
            var te = new bool[3];
            var tr = new bool[3];
            threaded.Reset(1, a);
            sync.Reset(1, b);
            for (int t = 0; t < 60; t++)
            {
                // Pauses longer than the spin budget make workers (and the caller) take the sleeping path.
                if (t % 2 == 0) Thread.Sleep(2);
                int[] actions = [t % 3, (t + 1) % 3, (t + 2) % 3];
                threaded.Step(actions, a, r, te, tr);
                sync.Step(actions, b, r, te, tr);
                Assert.Equal(b, a);
            }
        }, TestContext.Current.CancellationToken);
    }

    [Fact]
    public void EpisodeStatisticsOfSubEnvsArriveInTheFinalInfo()
    {
        const int numEnvs = 4;
        using var venv = new ThreadedVectorEnv(_ => Registry.Make("MinAtar/Breakout-v1").WithTimeLimit(10).WithEpisodeStatistics(), numEnvs, 2);
        var obs = new byte[numEnvs * venv.SingleObservationSpace.Size];
        var actions = new int[numEnvs];
        var rewards = new float[numEnvs];
        var terminated = new bool[numEnvs];
        var truncated = new bool[numEnvs];
        var sums = new double[numEnvs];
        var lengths = new int[numEnvs];
        var rng = new System.Random(5);
        venv.Reset(11, obs);
        int ends = 0, truncations = 0;
        for (int t = 0; t < 300; t++)
        {
            for (int i = 0; i < numEnvs; i++) actions[i] = rng.Next(venv.ActionSpace.N);
            venv.Step(actions, obs, rewards, terminated, truncated);
            for (int i = 0; i < numEnvs; i++)
            {
                sums[i] += rewards[i];
                lengths[i]++;
                if (!terminated[i] && !truncated[i])
                {
                    Assert.Null(venv.Info(i).Get(InfoKeys.EpisodeReturn));
                    continue;
                }
                Assert.Equal(sums[i], venv.FinalInfo(i).Get(InfoKeys.EpisodeReturn));
                Assert.Equal(lengths[i], venv.FinalInfo(i).Get(InfoKeys.EpisodeLength));
                Assert.Null(venv.Info(i).Get(InfoKeys.EpisodeReturn)); // the reset info of the new episode
                ends++;
                if (truncated[i]) truncations++;
                (sums[i], lengths[i]) = (0, 0);
            }
        }
        Assert.True(ends > 10 && truncations > 0, $"{ends} episode ends, {truncations} truncated");
    }
}
