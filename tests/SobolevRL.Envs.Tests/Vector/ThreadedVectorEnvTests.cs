using SobolevRL.Envs.Core;
using SobolevRL.Envs.Registry;
using SobolevRL.Envs.Vector;

namespace SobolevRL.Envs.Tests.Vector;

/// <summary>How <see cref="ThreadedVectorEnv"/> shares sub-envs out between threads, and its hand-off waiter.</summary>
public class ThreadedVectorEnvTests
{
    private static readonly EnvRegistry Registry = EnvRegistry.CreateDefault();

    [Theory]
    [InlineData(256, 2)]
    [InlineData(100, 3)]
    [InlineData(7, 2)]
    [InlineData(5, 3)]
    [InlineData(1000, 3)]
    public void EachThreadOwnsAContiguousBalancedRunAndTogetherTheyCoverEverySubEnv(int numEnvs, int threads)
    {
        using var venv = new ThreadedVectorEnv(_ => new TestEnvs.CountingEnv(), numEnvs, threads);
        var ranges = venv.OwnRanges;
        Assert.Equal(threads, ranges.Count);
        int next = 0;
        foreach (var (first, count) in ranges)
        {
            Assert.Equal(next, first);
            Assert.True(count > 0, $"an empty run in {string.Join(", ", ranges)}");
            next = first + count;
        }
        Assert.Equal(numEnvs, next);
        int chunk = Math.Max(1, numEnvs / (8 * threads));
        Assert.True(ranges.Max(r => r.Count) - ranges.Min(r => r.Count) <= chunk + numEnvs % chunk, $"unbalanced: {string.Join(", ", ranges)}");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void SubEnvsThatStallMakeOtherThreadsTakeTheirChunksAndResultsStayTheSame(int threads)
    {
        // Stalls of 1 ms on a few steps leave one thread behind, so the others claim its chunks (and a worker can wake
        // to find its call already finished); every sub-env must still be stepped exactly once per call.
        const int numEnvs = 48, steps = 120;
        static IEnv Make(int i) => new StallingEnv(Registry.Make("MinAtar/Breakout-v1"), i);
        using var sync = new SyncVectorEnv(Make, numEnvs);
        var reference = VectorRollout.Run(sync, 3, steps, actionSeed: 8);
        using var threaded = new ThreadedVectorEnv(Make, numEnvs, threads);
        VectorRollout.Run(threaded, 3, steps, actionSeed: 8).AssertSameAs(reference);
        for (int i = 0; i < numEnvs; i++) Assert.Equal(steps, ((StallingEnv)threaded.GetEnv(i)).Steps);
    }

    [Fact(Timeout = 30_000)]
    public async Task WaitUntilEqualSleepsThroughWakeUpsForValuesOnTheWay()
    {
        await Task.Run(() =>
        {
            using var waiter = new SpinThenBlockWaiter();
            int counter = 0;
            var adder = new Thread(() =>
            {
                for (int k = 0; k < 3; k++)
                {
                    Thread.Sleep(5); // past the spin budget, so the waiter is asleep when woken
                    Interlocked.Increment(ref counter);
                    waiter.Notify();
                }
            });
            adder.Start();
            waiter.WaitUntilEqual(ref counter, 3);
            Assert.Equal(3, Volatile.Read(ref counter));
            adder.Join();
        }, TestContext.Current.CancellationToken);
    }

    /// <summary>Counts steps and sleeps 1 ms on a few (sub-env, step) pairs, the same ones in every run.</summary>
    private sealed class StallingEnv(IEnv inner, int index) : EnvWrapper(inner)
    {
        public int Steps { get; private set; }

        public override StepResult Step(int action, Span<byte> observation)
        {
            if ((Steps * 7 + index * 13) % 97 == 0) Thread.Sleep(1);
            Steps++;
            return base.Step(action, observation);
        }
    }
}
