#:project ../../envs/SobolevRL.Envs/SobolevRL.Envs.csproj
#:property PublishAot=false
// Why the threaded vector env scales (or not) from 1 to 2 threads on a real game. Runs, in interleaved rounds:
//   free:   T threads each stepping their own E/T sub-envs with no hand-off at all (the ceiling any vector env can reach)
//   vector: ThreadedVectorEnv with T threads (T = 1 runs the very same stepping code with no workers)
// and prints per row: wall ns per step, CPU ns per step of each thread (thread CPU clock: survives other load on the
// machine), each thread's own-run time per batch (its half of the sub-envs), the caller's wait for the workers, chunks
// taken from another thread per batch; per round a cross-core ping-pong round trip (the cost of one hand-off's cache
// line transfers, which in a VM depends on where the host put the two virtual CPUs).
//   dotnet run -c Release tests/benchmarks/VectorScalingBench.cs -- [env MinAtar/Breakout-v1] [envs 256] [steps 20000000] [rounds 3] [--json] [--fixed-actions]
// --fixed-actions passes each batch a slice of the action table filled before timing instead of copying it into one
// action array first, so the workers read no line the caller has just written (that piece of cross-core traffic).
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using SobolevRL.Envs.Core;
using SobolevRL.Envs.Registry;
using SobolevRL.Envs.Vector;

bool json = args.Contains("--json");
bool fixedActions = args.Contains("--fixed-actions");
args = args.Where(a => a != "--json" && a != "--fixed-actions").ToArray();
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
    foreach (int threads in new[] { 1, 2 })
    {
        rows.Add(Free(threads));
        rows.Add(Vector(threads));
    }
}

string load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
double Median(string mode, int t) => rows.Where(r => r.Mode == mode && r.Threads == t).Select(r => r.StepsPerSecond).Order().ElementAt(rounds / 2);
if (json)
{
    Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
    {
        env = id, envs = numEnvs, load_average = double.Parse(load, CultureInfo.InvariantCulture), ping_pong_ns = pingPongs,
        free_speedup = Median("free", 2) / Median("free", 1), vector_speedup = Median("vector", 2) / Median("vector", 1), rows,
    }, new System.Text.Json.JsonSerializerOptions { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower }));
    return;
}
Console.WriteLine($"{id}, {numEnvs} envs, {batches} batches per run, load average {load}");
Console.WriteLine($"cross-core ping-pong round trip per round (best block of 1000): {string.Join(" / ", pingPongs.Select(p => p.ToString("F0", CultureInfo.InvariantCulture)))} ns");
Console.WriteLine($"{"mode",-7} {"threads",7} {"steps/s",13} {"wall ns/step",12} {"cpu ns/step per thread",23} {"cpu total",9} {"own run µs/thread",18} {"wait µs",8} {"taken",6}");
foreach (var r in rows)
    Console.WriteLine($"{r.Mode,-7} {r.Threads,7} {r.StepsPerSecond,13:N0} {1e9 / r.StepsPerSecond,12:F1} {Join(r.CpuNsPerStep),23} {r.CpuNsPerStep.Sum(),9:F1} {Join(r.OwnRunMicroseconds),18} {r.CallerWaitMicroseconds,8:F2} {r.TakenChunksPerBatch,6:F2}");
foreach (string mode in new[] { "free", "vector" })
    Console.WriteLine($"{mode}: median 2 threads / 1 thread = {Median(mode, 2) / Median(mode, 1):F2}x");

static string Join(double[] values) => string.Join(" / ", values.Select(v => v.ToString("F1", CultureInfo.InvariantCulture)));

// T threads each step their own contiguous E/T sub-envs (made on that thread), synchronised only at the start.
Row Free(int threads)
{
    int count = numEnvs / threads;
    var cpu = new double[threads];
    var own = new double[threads];
    var started = new long[threads];
    var ended = new long[threads];
    var ready = new Barrier(threads);
    var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
    {
        var envs = Enumerable.Range(0, count).Select(_ => Make()).ToArray();
        var obs = new byte[count * obsSize];
        for (int i = 0; i < count; i++) envs[i].Reset(1000 + t * count + i, obs.AsSpan(i * obsSize, obsSize));
        var rng = new System.Random(t);
        var table = Enumerable.Range(0, 1 << 16).Select(_ => rng.Next(actionCount)).ToArray();
        int k = 0;
        void Batch()
        {
            for (int i = 0; i < count; i++)
            {
                var o = obs.AsSpan(i * obsSize, obsSize);
                if (envs[i].Step(table[k++ & 0xFFFF], o).Done) envs[i].Reset(null, o);
            }
        }
        var warm = Stopwatch.StartNew();
        while (warm.ElapsedMilliseconds < 500) Batch();
        ready.SignalAndWait();
        started[t] = Stopwatch.GetTimestamp();
        double c0 = ThreadCpu.Seconds();
        for (long b = 0; b < batches; b++) Batch();
        cpu[t] = ThreadCpu.Seconds() - c0;
        ended[t] = Stopwatch.GetTimestamp();
        own[t] = (ended[t] - started[t]) * 1e6 / Stopwatch.Frequency / batches;
        foreach (var e in envs) e.Dispose();
    })).ToList();
    workers.ForEach(w => w.Start());
    workers.ForEach(w => w.Join());
    double seconds = (double)(ended.Max() - started.Min()) / Stopwatch.Frequency;
    long total = batches * count * threads;
    return new Row("free", threads, total / seconds, [.. cpu.Select(c => c * 1e9 / total)], own, 0, 0);
}

// The real threaded vector env. CPU per thread: the caller's own clock, and the rest of the process (the workers).
Row Vector(int threads)
{
    using var venv = new ThreadedVectorEnv(_ => Make(), numEnvs, threads);
    var obs = new byte[numEnvs * obsSize];
    var actions = new int[numEnvs];
    var rewards = new float[numEnvs];
    var terminated = new bool[numEnvs];
    var truncated = new bool[numEnvs];
    var rng = new System.Random(7);
    var table = Enumerable.Range(0, (1 << 16) + numEnvs).Select(_ => rng.Next(actionCount)).ToArray();
    venv.Reset(1000, obs);
    int offset = 0;
    void Run(long count)
    {
        for (long b = 0; b < count; b++)
        {
            if (!fixedActions) table.AsSpan(offset, numEnvs).CopyTo(actions);
            venv.Step(fixedActions ? table.AsSpan(offset, numEnvs) : actions.AsSpan(), obs, rewards, terminated, truncated);
            offset = (offset + numEnvs) & 0xFFFF;
        }
    }
    var warm = Stopwatch.StartNew();
    while (warm.ElapsedMilliseconds < 500) Run(64);
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
        spent[0].Waiting.TotalMicroseconds / batches, spent.Sum(s => (double)s.TakenChunks) / batches);
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

record Row(string Mode, int Threads, double StepsPerSecond, double[] CpuNsPerStep, double[] OwnRunMicroseconds, double CallerWaitMicroseconds, double TakenChunksPerBatch);

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
