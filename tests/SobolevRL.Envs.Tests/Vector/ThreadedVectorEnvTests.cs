using System.Diagnostics;
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

    [Fact]
    public void ThreadStatisticsCountCallsTimesAndTheChunksTakenFromAWorkerThatStalls()
    {
        // Sub-env 40 is in the worker's run; on its 5th step it sleeps long enough that the caller, done with its own
        // run, takes the worker's remaining chunks. A single thread never takes chunks, and its own run is all its work.
        const int numEnvs = 48, calls = 10;
        using var threaded = new ThreadedVectorEnv(i => new SleepOnceEnv(Registry.Make("MinAtar/Breakout-v1"), i == 40 ? 5 : -1), numEnvs, 2);
        Assert.InRange(40, threaded.OwnRanges[1].First, threaded.OwnRanges[1].First + threaded.OwnRanges[1].Count - 1);
        var before = threaded.ThreadStatistics;
        VectorRollout.Run(threaded, 3, calls, actionSeed: 4);
        var spent = threaded.ThreadStatistics.Select((after, t) => after.Since(before[t])).ToList();
        Assert.Equal(new[] { 0, 1 }, spent.Select(s => s.Thread));
        Assert.Equal(calls + 1, spent[0].Calls); // the reset is a call too
        Assert.InRange(spent[1].Calls, 1, calls + 1);
        Assert.True(spent[0].TakenChunks > 0, "the caller took none of the stalled worker's chunks");
        Assert.All(spent, s => Assert.True(s.OwnRun > TimeSpan.Zero && s.Working >= s.OwnRun, $"{s}"));
        // The caller either waited for the sleeping worker or (had the worker not woken for that call) slept itself.
        Assert.True(spent[0].Working + spent[0].Waiting >= TimeSpan.FromMilliseconds(150), $"{spent[0]}");

        using var single = new ThreadedVectorEnv(_ => Registry.Make("MinAtar/Breakout-v1"), 8, 1);
        VectorRollout.Run(single, 3, calls, actionSeed: 4);
        var alone = Assert.Single(single.ThreadStatistics);
        Assert.Equal(0, alone.TakenChunks);
        Assert.Equal(alone.OwnRun, alone.Working);
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

    [Fact(Timeout = 30_000)]
    public async Task WaitUntilEqualWithADeadlineGivesUpAfterItAndReportsAValueThatComesBefore()
    {
        await Task.Run(() =>
        {
            using var waiter = new SpinThenBlockWaiter();
            int value = 0;
            // 20 µs: given up while spinning; 30 ms: past the spin budget, so given up by a timed sleep.
            foreach (double milliseconds in new[] { 0.02, 30 })
            {
                long start = Stopwatch.GetTimestamp();
                Assert.False(waiter.WaitUntilEqual(ref value, 1, start + (long)(milliseconds * Stopwatch.Frequency / 1000)));
                Assert.True(Stopwatch.GetElapsedTime(start).TotalMilliseconds >= milliseconds, $"returned before the {milliseconds} ms deadline");
            }
            var setter = new Thread(() =>
            {
                Thread.Sleep(10); // past the spin budget: the waiter sleeps, and Notify must wake it
                Interlocked.Exchange(ref value, 1);
                waiter.Notify();
            });
            setter.Start();
            long before = Stopwatch.GetTimestamp();
            Assert.True(waiter.WaitUntilEqual(ref value, 1, before + 20 * Stopwatch.Frequency));
            Assert.True(Stopwatch.GetElapsedTime(before) < TimeSpan.FromSeconds(10), "woken by the deadline, not by Notify");
            setter.Join();
        }, TestContext.Current.CancellationToken);
    }

    /// <summary>Sleeps 200 ms in its <paramref name="sleepAtStep"/>-th step (never when negative).</summary>
    private sealed class SleepOnceEnv(IEnv inner, int sleepAtStep) : EnvWrapper(inner)
    {
        private int _steps;

        public override StepResult Step(int action, Span<byte> observation)
        {
            if (++_steps == sleepAtStep) Thread.Sleep(200);
            return base.Step(action, observation);
        }
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
