#:project ../../envs/SobolevRL.Envs/SobolevRL.Envs.csproj
#:property PublishAot=false
#:property AllowUnsafeBlocks=true
// Why the threaded vector env scales (or not) from 1 to 2 threads on a real game. Runs variants in interleaved rounds:
//   freeT:   T threads each stepping their own E/T sub-envs (made on that thread) with no hand-off at all
//   syncT:   the same, but thread 0 starts every batch (one plain store) and waits for the others' counter: the least
//            any vector env must do per batch
//   vectorT: ThreadedVectorEnv with T threads (T = 1 runs the very same stepping code with no workers)
// and options that change one thing each, appended with '+':
//   +outs    (free/sync) results go where the vector env puts them: observations, rewards and flags of all threads in
//            one set of caller arrays, each thread writing its range (without it: private observations, no flags)
//   +flags   (free/sync) only rewards and flags go to shared arrays (observations stay private)
//   +aligned shared arrays are VectorBuffers (each array on its own 4 KB pages) instead of plain arrays, which the
//            runtime places back to back
//   +main    (free/sync) all sub-envs are made by the main thread, in order, as a vector env's factory does
//   +ownalloc (vector) each thread's sub-envs are made on a thread of their own (one after another)
//   +fixed   (vector) each batch's actions are a slice of a table filled before timing, not copied into the action
//            array by the caller, so workers read no line the caller has just written
// Prints per row: steps/s, CPU ns per step per thread (thread CPU clock), each thread's own-run time per batch, the
// caller's wait, chunks taken per batch, the median batch time; per round a cross-core ping-pong round trip (in a VM
// it depends on where the host put the two virtual CPUs, and the vector env's speed-up follows it: envs/README.md).
//   dotnet run -c Release tests/benchmarks/VectorScalingBench.cs -- [env MinAtar/Breakout-v1] [envs 256] [steps 20000000] [rounds 3]
//       [--variants=free1,vector1,free2,sync2,vector2,vector2+aligned] [--json]
// On a busy machine run it under `chrt -f 50`, not `chrt -f 1`: .NET starts its threads at real-time priority 50, so under
// -f 1 the vector env's caller (the main thread) would run below its worker and the free/sync threads (envs/README.md).
using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using SobolevRL.Envs.Core;
using SobolevRL.Envs.Registry;
using SobolevRL.Envs.Vector;

bool json = args.Contains("--json");
string[] variants = (args.FirstOrDefault(a => a.StartsWith("--variants=", StringComparison.Ordinal))?["--variants=".Length..]
    ?? "free1,vector1,free2,sync2,vector2,vector2+aligned").Split(',');
args = args.Where(a => a != "--json" && !a.StartsWith("--variants=", StringComparison.Ordinal)).ToArray();
string[] known = ["outs", "flags", "aligned", "main", "ownalloc", "fixed"];
foreach (string variant in variants)
{
    var parts = variant.Split('+');
    string mode = parts[0].TrimEnd("0123456789".ToCharArray());
    if (mode is not ("free" or "sync" or "vector") || !int.TryParse(parts[0][mode.Length..], out int t) || t < 1 || parts.Skip(1).Any(o => !known.Contains(o)))
    {
        Console.Error.WriteLine($"error: variant '{variant}': expected free<T>, sync<T> or vector<T> followed by +options from {string.Join(", ", known)}");
        return 2;
    }
}
string opts = "";
string id = args.Length > 0 ? args[0] : "MinAtar/Breakout-v1";
int numEnvs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 256;
long steps = args.Length > 2 ? long.Parse(args[2], CultureInfo.InvariantCulture) : 20_000_000;
int rounds = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 3;

var registry = EnvRegistry.CreateDefault();
IEnv Make() => registry.Make(id);
int obsSize, actionCount;
using (var probe = Make()) (obsSize, actionCount) = (probe.ObservationSpace.Size, probe.ActionSpace.N);
long batches = Math.Max(1, steps / numEnvs);
var rows = new List<Row>();
var pingPongs = new List<double>();
for (int round = 0; round < rounds; round++)
{
    pingPongs.Add(PingPongNanoseconds());
    foreach (string variant in variants)
    {
        var parts = variant.Split('+');
        opts = "+" + string.Join("+", parts.Skip(1)) + "+";
        string mode = parts[0].TrimEnd("0123456789".ToCharArray());
        int threads = int.Parse(parts[0][mode.Length..], CultureInfo.InvariantCulture);
        var row = mode switch { "free" => Free(threads, false), "sync" => Free(threads, true), _ => Vector(threads) };
        rows.Add(row with { Mode = variant });
    }
}

string load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
double MedianOf(string variant, Func<Row, double> value) => rows.Where(r => r.Mode == variant).Select(value).Order().ElementAt(rounds / 2);
if (json)
{
    Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
    {
        env = id, envs = numEnvs, load_average = double.Parse(load, CultureInfo.InvariantCulture), ping_pong_ns = pingPongs,
        medians = variants.Select(v => new { variant = v, steps_per_second = MedianOf(v, r => r.StepsPerSecond), batch_median_us = MedianOf(v, r => r.BatchMedianMicroseconds) }),
        rows,
    }, new System.Text.Json.JsonSerializerOptions { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower }));
    return 0;
}
Console.WriteLine($"{id}, {numEnvs} envs, {batches} batches per run, load average {load}");
Console.WriteLine($"cross-core ping-pong round trip per round (best block of 1000): {string.Join(" / ", pingPongs.Select(p => p.ToString("F0", CultureInfo.InvariantCulture)))} ns");
Console.WriteLine($"{"mode",-16} {"threads",7} {"steps/s",13} {"wall ns/step",12} {"cpu ns/step per thread",23} {"cpu total",9} {"own run µs/thread",18} {"wait µs",8} {"taken",6} {"batch µs med",12}");
foreach (var r in rows)
    Console.WriteLine($"{r.Mode,-16} {r.Threads,7} {r.StepsPerSecond,13:N0} {1e9 / r.StepsPerSecond,12:F1} {Join(r.CpuNsPerStep),23} {r.CpuNsPerStep.Sum(),9:F1} {Join(r.OwnRunMicroseconds),18} {r.CallerWaitMicroseconds,8:F2} {r.TakenChunksPerBatch,6:F2} {r.BatchMedianMicroseconds,12:F2}");
foreach (string variant in variants)
    Console.WriteLine($"{variant}: median over rounds: {MedianOf(variant, r => r.StepsPerSecond):N0} steps/s, batch median {MedianOf(variant, r => r.BatchMedianMicroseconds):F2} µs");
return 0;

static string Join(double[] values) => string.Join(" / ", values.Select(v => v.ToString("F1", CultureInfo.InvariantCulture)));

// T threads each step their own contiguous E/T sub-envs, synchronised only at the start (free) or at every batch (sync).
Row Free(int threads, bool sync)
{
    var line = new long[64];
    int count = numEnvs / threads;
    var cpu = new double[threads];
    var own = new double[threads];
    var started = new long[threads];
    var ended = new long[threads];
    var ready = new Barrier(threads);
    var batchTicks = new long[batches];
    bool mainAlloc = opts.Contains("+main+"), sharedFlagsOnly = opts.Contains("+flags+"), shared = sharedFlagsOnly || opts.Contains("+outs+");
    var allEnvs = mainAlloc ? Enumerable.Range(0, numEnvs).Select(_ => Make()).ToArray() : null;
    bool alignedOuts = opts.Contains("+aligned+");
    var sharedBuffers = alignedOuts ? new VectorBuffers(numEnvs, obsSize) : null;
    var sharedObs = sharedBuffers?.Observations ?? new byte[numEnvs * obsSize];
    var sharedRewards = sharedBuffers?.Rewards ?? new float[numEnvs];
    var sharedTerm = sharedBuffers?.Terminated ?? new bool[numEnvs];
    var sharedTrunc = sharedBuffers?.Truncated ?? new bool[numEnvs];
    var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
    {
        var envs = allEnvs is null ? Enumerable.Range(0, count).Select(_ => Make()).ToArray() : allEnvs[(t * count)..((t + 1) * count)];
        var obs = shared ? sharedObs.AsSpan(t * count * obsSize, count * obsSize).ToArray() : new byte[count * obsSize];
        int baseIndex = t * count;
        for (int i = 0; i < count; i++) envs[i].Reset(1000 + t * count + i, obs.AsSpan(i * obsSize, obsSize));
        var rng = new System.Random(t);
        var table = Enumerable.Range(0, 1 << 16).Select(_ => rng.Next(actionCount)).ToArray();
        int k = 0;
        void Batch()
        {
            for (int i = 0; i < count; i++)
            {
                if (shared)
                {
                    int g = baseIndex + i;
                    var o = sharedFlagsOnly ? obs.AsSpan(i * obsSize, obsSize) : sharedObs.AsSpan(g * obsSize, obsSize);
                    var r = envs[i].Step(table[k++ & 0xFFFF], o);
                    sharedRewards[g] = r.Reward;
                    sharedTerm[g] = r.Terminated;
                    sharedTrunc[g] = r.Truncated;
                    if (r.Done) envs[i].Reset(null, o);
                }
                else
                {
                    var o = obs.AsSpan(i * obsSize, obsSize);
                    if (envs[i].Step(table[k++ & 0xFFFF], o).Done) envs[i].Reset(null, o);
                }
            }
        }
        WarmUp(Batch);
        ready.SignalAndWait();
        started[t] = Stopwatch.GetTimestamp();
        double c0 = ThreadCpu.Seconds();
        long ownTicks = 0;
        long batchStart = Stopwatch.GetTimestamp();
        for (long b = 0; b < batches; b++)
        {
            if (t == 0)
            {
                long now = Stopwatch.GetTimestamp();
                if (b > 0) batchTicks[b - 1] = now - batchStart;
                batchStart = now;
            }
            if (sync)
            {
                if (t == 0) Volatile.Write(ref line[8], b + 1);
                else while (Volatile.Read(ref line[8]) != b + 1) System.Runtime.Intrinsics.X86.X86Base.Pause();
            }
            long s0 = Stopwatch.GetTimestamp();
            Batch();
            ownTicks += Stopwatch.GetTimestamp() - s0;
            if (sync)
            {
                if (t != 0) Interlocked.Increment(ref line[40]);
                else while (Volatile.Read(ref line[40]) != (b + 1) * (threads - 1)) System.Runtime.Intrinsics.X86.X86Base.Pause();
            }
        }
        cpu[t] = ThreadCpu.Seconds() - c0;
        ended[t] = Stopwatch.GetTimestamp();
        own[t] = ownTicks * 1e6 / Stopwatch.Frequency / batches;
        foreach (var e in envs) e.Dispose();
    })).ToList();
    workers.ForEach(w => w.Start());
    workers.ForEach(w => w.Join());
    double seconds = (double)(ended.Max() - started.Min()) / Stopwatch.Frequency;
    long total = batches * count * threads;
    return new Row(sync ? "sync" : "free", threads, total / seconds, [.. cpu.Select(c => c * 1e9 / total)], own, 0, 0, MedianMicroseconds(batchTicks[..^1]));
}

// The real threaded vector env. CPU per thread: the caller's own clock, and the rest of the process (the workers).
Row Vector(int threads)
{
    IEnv[] made = new IEnv[numEnvs];
    if (opts.Contains("+ownalloc+"))
    {
        for (int t = 0; t < threads; t++)
        {
            int from = numEnvs * t / threads, to = numEnvs * (t + 1) / threads;
            var maker = new Thread(() => { for (int i = from; i < to; i++) made[i] = Make(); });
            maker.Start();
            maker.Join();
        }
    }
    else for (int i = 0; i < numEnvs; i++) made[i] = Make();
    using var venv = new ThreadedVectorEnv(made, threads);
    var buffers = opts.Contains("+aligned+") ? new VectorBuffers(numEnvs, obsSize) : null;
    var obs = buffers?.Observations ?? new byte[numEnvs * obsSize];
    var actions = buffers?.Actions ?? new int[numEnvs];
    var rewards = buffers?.Rewards ?? new float[numEnvs];
    var terminated = buffers?.Terminated ?? new bool[numEnvs];
    var truncated = buffers?.Truncated ?? new bool[numEnvs];
    var rng = new System.Random(7);
    var table = Enumerable.Range(0, (1 << 16) + numEnvs).Select(_ => rng.Next(actionCount)).ToArray();
    venv.Reset(1000, obs);
    int offset = 0;
    bool fixedHere = opts.Contains("+fixed+");
    var batchTicks = new long[batches];
    void Run(long count)
    {
        long previous = Stopwatch.GetTimestamp();
        for (long b = 0; b < count; b++)
        {
            if (b > 0 && count == batches)
            {
                long now = Stopwatch.GetTimestamp();
                batchTicks[b - 1] = now - previous;
                previous = now;
            }
            if (!fixedHere) table.AsSpan(offset, numEnvs).CopyTo(actions);
            venv.Step(fixedHere ? table.AsSpan(offset, numEnvs) : actions.AsSpan(), obs, rewards, terminated, truncated);
            offset = (offset + numEnvs) & 0xFFFF;
        }
    }
    WarmUp(() => Run(64));
    var before = venv.ThreadStatistics;
    double c0 = ThreadCpu.Seconds();
    using var process = Process.GetCurrentProcess();
    var p0 = process.TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    Run(batches);
    double seconds = clock.Elapsed.TotalSeconds;
    double callerCpu = ThreadCpu.Seconds() - c0;
    process.Refresh();
    double processCpu = (process.TotalProcessorTime - p0).TotalSeconds;
    var spent = venv.ThreadStatistics.Select((after, t) => after.Since(before[t])).ToList();
    long total = batches * numEnvs;
    double[] cpu = threads == 1 ? [callerCpu * 1e9 / total] : [callerCpu * 1e9 / total, (processCpu - callerCpu) * 1e9 / total];
    return new Row("vector", threads, total / seconds, cpu, [.. spent.Select(s => s.OwnRun.TotalMicroseconds / Math.Max(1, s.Calls))],
        spent[0].Waiting.TotalMicroseconds / batches, spent.Sum(s => (double)s.TakenChunks) / batches, MedianMicroseconds(batchTicks[..^2]));
}

// Runs for half a second, then until a 25 ms pause compiles nothing new: under chrt the busy threads would keep the
// runtime's background compiler off the cores and the hot code unoptimised (EnvBenchmark does the same).
static void WarmUp(Action run)
{
    var warm = Stopwatch.StartNew();
    while (warm.ElapsedMilliseconds < 500) run();
    for (int pauses = 0; pauses < 40; pauses++)
    {
        long compiled = JitInfo.GetCompiledMethodCount();
        Thread.Sleep(25);
        run();
        if (JitInfo.GetCompiledMethodCount() == compiled) break;
    }
}

// Two threads bounce a counter through one cache line; the best 1000-round block's mean round trip.
static double PingPongNanoseconds()
{
    var line = new long[16];
    const int blocks = 200, perBlock = 1000;
    var other = new Thread(() =>
    {
        for (long v = 1; v <= 2L * blocks * perBlock; v += 2)
        {
            while (Volatile.Read(ref line[8]) != v) Thread.SpinWait(1);
            Volatile.Write(ref line[8], v + 1);
        }
    });
    other.Start();
    double best = double.MaxValue;
    long value = 0;
    for (int b = 0; b < blocks; b++)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < perBlock; i++)
        {
            Volatile.Write(ref line[8], ++value);
            while (Volatile.Read(ref line[8]) != value + 1) Thread.SpinWait(1);
            value++;
        }
        best = Math.Min(best, (Stopwatch.GetTimestamp() - start) * 1e9 / Stopwatch.Frequency / perBlock);
    }
    other.Join();
    return best;
}

static double MedianMicroseconds(long[] ticks)
{
    var sorted = ticks.Order().ToArray();
    return sorted.Length == 0 ? 0 : sorted[sorted.Length / 2] * 1e6 / Stopwatch.Frequency;
}

record Row(string Mode, int Threads, double StepsPerSecond, double[] CpuNsPerStep, double[] OwnRunMicroseconds, double CallerWaitMicroseconds, double TakenChunksPerBatch, double BatchMedianMicroseconds);

static class ThreadCpu
{
    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec { public long Seconds; public long Nanoseconds; }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID).</summary>
    public static double Seconds()
    {
        ClockGetTime(3, out var t);
        return t.Seconds + t.Nanoseconds * 1e-9;
    }
}
