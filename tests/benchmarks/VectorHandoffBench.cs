#:project ../../envs/SobolevRL.Envs/SobolevRL.Envs.csproj
#:property PublishAot=false
// The fixed cost of handing a batch to the threaded vector env's workers and collecting it, isolated from any game:
// sub-envs that only write their observation and spin for a set amount of arithmetic.
//   dotnet run -c Release tests/benchmarks/VectorHandoffBench.cs -- [envs 256] [work-iterations 0,40] [obs-bytes 400] [repeats 3] [steps 20000000] [--json]
// Per work level it runs the sync vector env (1 thread) and the threaded one (2 threads), repeats alternating, and prints
// the batch-time percentiles. overhead = p1(2 threads) − p1(1 thread)/2 (the 1st percentile: batches during which both threads had a core): what a batch costs beyond a perfect split.
using System.Globalization;
using SobolevRL.Envs.Bench;
using SobolevRL.Envs.Core;

bool json = args.Contains("--json");
args = args.Where(a => a != "--json").ToArray();
int envs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 256;
int[] workLevels = (args.Length > 1 ? args[1] : "0,40").Split(',').Select(w => int.Parse(w, CultureInfo.InvariantCulture)).ToArray();
int obsBytes = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 400;
int repeats = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 3;
long steps = args.Length > 4 ? long.Parse(args[4], CultureInfo.InvariantCulture) : 20_000_000;

var rows = new List<(int Work, EnvBenchmarkResult Result, double WorkerShare)>();
int mainThread = Environment.CurrentManagedThreadId;
foreach (int work in workLevels)
    for (int r = 0; r < repeats; r++)
        foreach (int threads in new[] { 1, 2 })
        {
            var made = new List<SpinEnv>();
            var result = EnvBenchmark.RunVector(_ => { var e = new SpinEnv(obsBytes, work, mainThread); made.Add(e); return e; }, envs, threads, steps / Math.Max(1, work / 10));
            rows.Add((work, result, made.Sum(e => (double)e.StepsOffMainThread) / made.Sum(e => (double)e.Steps)));
        }

string load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
if (json)
{
    Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
    {
        load_average = double.Parse(load, CultureInfo.InvariantCulture),
        rows = rows.Select(r => new { work_iterations = r.Work, worker_share = r.WorkerShare, threads = r.Result.Threads, envs, steps_per_second = r.Result.StepsPerSecond, batch_p1_us = r.Result.BatchP1Microseconds, batch_p10_us = r.Result.BatchP10Microseconds, batch_median_us = r.Result.BatchMedianMicroseconds }),
    }));
    return;
}
Console.WriteLine($"{"work",5} {"threads",7} {"steps/s",12} {"batch µs p1",11} {"p10",8} {"median",8} {"steps on workers",16}");
foreach (var (work, r, share) in rows)
    Console.WriteLine($"{work,5} {r.Threads,7} {r.StepsPerSecond,12:N0} {r.BatchP1Microseconds,11:F2} {r.BatchP10Microseconds,8:F2} {r.BatchMedianMicroseconds,8:F2} {share,16:P1}");
foreach (int work in workLevels)
{
    double one = rows.Where(r => r.Work == work && r.Result.Threads == 1).Min(r => r.Result.BatchP1Microseconds!.Value);
    double two = rows.Where(r => r.Work == work && r.Result.Threads == 2).Min(r => r.Result.BatchP1Microseconds!.Value);
    Console.WriteLine($"work {work}: best p1 1 thread {one:F2} µs, 2 threads {two:F2} µs, speed-up {one / two:F2}x, overhead {two - one / 2:F2} µs per batch");
}
Console.WriteLine($"load average {load}");

/// <summary>A sub-env that writes its observation and does a fixed amount of arithmetic per step; episodes never end. Counts the steps run off the main thread.</summary>
sealed class SpinEnv(int obsBytes, int work, int mainThread) : IEnv
{
    private ulong _state = 88172645463325252UL;

    public long Steps { get; private set; }
    public long StepsOffMainThread { get; private set; }

    public string Id => "bench/Spin";
    public BoxSpace ObservationSpace { get; } = new([obsBytes], 0, 255);
    public DiscreteSpace ActionSpace { get; } = new(4);
    public EnvInfo Info { get; } = new();

    public void Reset(long? seed, Span<byte> observation) => observation.Fill((byte)(seed ?? 0));

    public StepResult Step(int action, Span<byte> observation)
    {
        ulong x = _state;
        for (int i = 0; i < work; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; }
        _state = x;
        Steps++;
        if (Environment.CurrentManagedThreadId != mainThread) StepsOffMainThread++;
        observation.Fill((byte)(x + (ulong)action));
        return new StepResult(0, false, false);
    }

    public void Dispose() { }
}
