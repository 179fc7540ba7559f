using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Text;
using System.Text.Json;
using SobolevRL.Envs.Core;
using SobolevRL.Envs.Vector;

namespace SobolevRL.Envs.Bench;

/// <summary>
/// Measures how many steps per second an environment runs under uniformly random actions, alone or as a vector env
/// with E sub-envs on T threads. Actions come from a table drawn before timing, so the figure is the environment's
/// cost (plus the vector env's hand-off), not the random generator's. A warm-up (<see cref="DefaultWarmUp"/>) runs first so
/// the JIT has compiled the hot paths.
/// </summary>
public static class EnvBenchmark
{
    private const int ActionTableSize = 1 << 16;

    /// <summary>Times <paramref name="steps"/> steps of one env from <paramref name="makeEnv"/>, resetting when episodes end.</summary>
    public static EnvBenchmarkResult RunSingle(Func<IEnv> makeEnv, long steps, long seed = 0, TimeSpan? warmUp = null)
    {
        ArgumentNullException.ThrowIfNull(makeEnv);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        using var env = makeEnv();
        int? framesPerStep = ProbeFramesPerStep(env, seed);
        var actions = ActionTable(env.ActionSpace, seed);
        var observation = new byte[env.ObservationSpace.Size];
        env.Reset(seed, observation);
        long index = 0;
        void Run(long count)
        {
            for (long t = 0; t < count; t++)
            {
                if (env.Step(actions[index++ & (ActionTableSize - 1)], observation).Done) env.Reset(null, observation);
            }
        }
        WarmUp(Run, warmUp ?? DefaultWarmUp);
        var (seconds, cpuSeconds) = Measure(() => Run(steps));
        return new EnvBenchmarkResult(env.Id, 1, 1, steps, seconds, framesPerStep, cpuSeconds);
    }

    /// <summary>
    /// Times a vector env of <paramref name="numEnvs"/> sub-envs on <paramref name="threads"/> threads (1: <see cref="SyncVectorEnv"/>)
    /// for about <paramref name="steps"/> env steps in total (rounded up to whole batches).
    /// </summary>
    public static EnvBenchmarkResult RunVector(Func<int, IEnv> makeEnv, int numEnvs, int threads, long steps, long seed = 0, TimeSpan? warmUp = null)
    {
        ArgumentNullException.ThrowIfNull(makeEnv);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        int? framesPerStep;
        using (var probe = makeEnv(0)) framesPerStep = ProbeFramesPerStep(probe, seed);
        using var venv = VectorEnvFactory.Create(makeEnv, numEnvs, threads);
        int actualThreads = venv is ThreadedVectorEnv threaded ? threaded.Threads : 1;
        // The table has numEnvs extra entries so that every batch's actions are one slice of it, copied in one go:
        // the loop around Step costs next to nothing, as it should in a measurement of the env.
        var table = ActionTable(venv.ActionSpace, seed, ActionTableSize + numEnvs);
        // Page-aligned buffers, as a collector feeding a threaded vector env should use (see VectorBuffers).
        var buffers = VectorBuffers.For(venv);
        buffers.Reset(venv, seed);
        long batches = (steps + numEnvs - 1) / numEnvs;
        // Each batch's duration is kept (the last BatchSamples of them), so the report can give percentiles that
        // show the cost of a step with every thread running even when other processes take the cores part of the time.
        // One clock read per batch: a batch's time runs from the end of the previous one, action copy included.
        var batchTicks = new long[Math.Min(batches, BatchSamples)];
        long offset = 0;
        void Run(long count)
        {
            long previous = Stopwatch.GetTimestamp();
            for (long t = 0; t < count; t++)
            {
                table.AsSpan((int)offset, numEnvs).CopyTo(buffers.Actions);
                offset = (offset + numEnvs) & (ActionTableSize - 1);
                buffers.Step(venv);
                long now = Stopwatch.GetTimestamp();
                batchTicks[t % batchTicks.Length] = now - previous;
                previous = now;
            }
        }
        WarmUp(Run, warmUp ?? DefaultWarmUp);
        var threadsBefore = (venv as ThreadedVectorEnv)?.ThreadStatistics;
        var (seconds, cpuSeconds) = Measure(() => Run(batches));
        var threadTimes = threadsBefore is null ? null : ((ThreadedVectorEnv)venv).ThreadStatistics.Select((after, t) => after.Since(threadsBefore[t])).ToList();
        double PerBatch(TimeSpan time) => time.TotalMicroseconds / batches;
        Array.Sort(batchTicks);
        double Percentile(double p) => batchTicks[(int)(p * (batchTicks.Length - 1))] * 1e6 / Stopwatch.Frequency;
        return new EnvBenchmarkResult(venv.Id, numEnvs, actualThreads, batches * numEnvs, seconds, framesPerStep, cpuSeconds)
        {
            BatchP1Microseconds = Percentile(0.01),
            BatchP10Microseconds = Percentile(0.10),
            BatchMedianMicroseconds = Percentile(0.50),
            OwnRunMicroseconds = threadTimes?.Select(t => t.OwnRun.TotalMicroseconds / Math.Max(1, t.Calls)).ToList(),
            CallerWaitMicroseconds = threadTimes is null ? null : PerBatch(threadTimes[0].Waiting),
            TakenChunksPerBatch = threadTimes?.Sum(t => (double)t.TakenChunks) / batches,
        };
    }

    /// <summary>How many batch durations a vector run keeps for its percentiles.</summary>
    private const int BatchSamples = 1 << 20;

    /// <summary>A fixed-width table of results for people.</summary>
    public static string FormatTable(IEnumerable<EnvBenchmarkResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"env",-28} {"envs",5} {"threads",7} {"steps",10} {"seconds",8} {"steps/s",11} {"frames/s",11} {"cpu µs/step",11} {"batch µs p1/p10/med",22} {"own run µs/thread",18} {"wait µs",7} {"taken",6}");
        foreach (var r in results)
        {
            string frames = r.FramesPerSecond is double f ? f.ToString("N0", CultureInfo.InvariantCulture) : "-";
            string cpu = r.CpuMicrosecondsPerStep is double c ? c.ToString("F3", CultureInfo.InvariantCulture) : "-";
            string batch = r.BatchP1Microseconds is double p1 && r.BatchP10Microseconds is double p10 && r.BatchMedianMicroseconds is double median
                ? string.Create(CultureInfo.InvariantCulture, $"{p1:F1}/{p10:F1}/{median:F1}") : "-";
            string ownRuns = r.OwnRunMicroseconds is { } own ? string.Join("/", own.Select(o => o.ToString("F1", CultureInfo.InvariantCulture))) : "-";
            string wait = r.CallerWaitMicroseconds is double w ? w.ToString("F2", CultureInfo.InvariantCulture) : "-";
            string taken = r.TakenChunksPerBatch is double k ? k.ToString("F2", CultureInfo.InvariantCulture) : "-";
            text.AppendLine(CultureInfo.InvariantCulture, $"{r.EnvId,-28} {r.NumEnvs,5} {r.Threads,7} {r.Steps,10} {r.Seconds,8:F2} {r.StepsPerSecond,11:N0} {frames,11} {cpu,11} {batch,22} {ownRuns,18} {wait,7} {taken,6}");
        }
        return text.ToString();
    }

    /// <summary>One JSON object with a <c>results</c> array, for scripts.</summary>
    public static string ToJson(IEnumerable<EnvBenchmarkResult> results) =>
        JsonSerializer.Serialize(new { results = results.ToList() }, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });

    // Tiered JIT compilation promotes hot methods to optimised code only after they have run for a while (about
    // 100 ms after the last new method was first called), so warm up by time rather than by a step count.
    private static (double Seconds, double CpuSeconds) Measure(Action run)
    {
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        run();
        double seconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        return (seconds, (process.TotalProcessorTime - cpuBefore).TotalSeconds);
    }

    private static void WarmUp(Action<long> run, TimeSpan time)
    {
        var clock = Stopwatch.StartNew();
        do run(256); while (clock.Elapsed < time);
        // The optimised code is compiled by the runtime's background thread (seen still busy 2.5 s into a run). Under
        // real-time priority (chrt, as used for measurements on a busy machine) the benchmark's busy threads would keep
        // that thread off the cores and the hot methods unoptimised. Pause until a pause compiles nothing new.
        for (int pauses = 0; pauses < 40; pauses++)
        {
            long compiled = JitInfo.GetCompiledMethodCount();
            Thread.Sleep(25);
            run(256);
            if (JitInfo.GetCompiledMethodCount() == compiled) break;
        }
    }

    /// <summary>Time spent running the workload untimed before measuring, unless a call says otherwise.</summary>
    public static readonly TimeSpan DefaultWarmUp = TimeSpan.FromMilliseconds(500);

    private static int[] ActionTable(DiscreteSpace space, long seed, int size = ActionTableSize)
    {
        var rng = new System.Random(unchecked((int)seed ^ (int)(seed >> 32)));
        var table = new int[size];
        for (int i = 0; i < table.Length; i++) table[i] = rng.Next(space.N);
        return table;
    }

    private static int? ProbeFramesPerStep(IEnv env, long seed)
    {
        var observation = new byte[env.ObservationSpace.Size];
        env.Reset(seed, observation);
        double start = env.Info.Get(InfoKeys.EpisodeFrameNumber) ?? 0;
        env.Step(0, observation);
        double? after = env.Info.Get(InfoKeys.EpisodeFrameNumber);
        return after is double a && a > start ? (int)(a - start) : null;
    }
}
