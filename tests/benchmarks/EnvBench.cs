#:project ../../envs/SobolevRL.Envs/SobolevRL.Envs.csproj
// Vector-env throughput by thread count with repeats alternating thread counts (sobolevrl env bench does one configuration):
//   dotnet run -c Release tests/benchmarks/EnvBench.cs -- MinAtar/Breakout-v1 200000 8 1,2 [repeats] [--json]
//   dotnet run -c Release tests/benchmarks/EnvBench.cs -- MinAtar/Asterix-v1 --gif out.gif   (one random episode)
// Prints one table (or JSON) row per (thread count, repeat); repeats alternate thread counts so machine noise hits all alike.
using System.Globalization;
using SobolevRL.Envs.Bench;
using SobolevRL.Envs.Play;
using SobolevRL.Envs.Registry;

string? gif = args.SkipWhile(a => a != "--gif").Skip(1).FirstOrDefault();
bool json = args.Contains("--json");
args = args.Where(a => a != "--json" && a != "--gif" && a != gif).ToArray();
string id = args.Length > 0 ? args[0] : "MinAtar/Breakout-v1";
long steps = args.Length > 1 ? long.Parse(args[1], CultureInfo.InvariantCulture) : 200_000;
int envs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 8;
int[] threads = (args.Length > 3 ? args[3] : "1,2").Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray();
int repeats = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 3;

var registry = EnvRegistry.CreateDefault();
if (gif is not null)
{
    using var env = registry.Make(id);
    var played = EnvPlayer.Play(env, RandomPolicy.Create(env.ActionSpace, 0), 1, 0, gif);
    Console.WriteLine($"wrote {gif}: {played.GifFrames} frames, return {played.MeanReturn}");
    return;
}
var results = new List<EnvBenchmarkResult> { EnvBenchmark.RunSingle(() => registry.Make(id), steps) };
for (int r = 0; r < repeats; r++)
    foreach (int t in threads) results.Add(EnvBenchmark.RunVector(_ => registry.Make(id), envs, t, steps));
Console.Write(json ? EnvBenchmark.ToJson(results) + "\n" : EnvBenchmark.FormatTable(results));
if (!json)
    Console.WriteLine($"calibration: pure-compute speed-up of {threads.Max()} threads over 1 on this machine right now: {ComputeSpeedup(threads.Max()):F2}x " +
        $"(load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");

// How much parallelism the machine grants at the moment: the same total arithmetic on 1 thread and split over n.
static double ComputeSpeedup(int n)
{
    const long work = 400_000_000;
    static long Spin(long iterations)
    {
        ulong x = 88172645463325252UL;
        for (long i = 0; i < iterations; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; }
        return (long)x;
    }
    double Time(int threads)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() => Spin(work / threads))).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        return clock.Elapsed.TotalSeconds;
    }
    Time(1);
    return Time(1) / Time(n);
}
