#:project ../../envs/SobolevRL.Envs/SobolevRL.Envs.csproj
#:property PublishAot=false
// Measures the C# ALE binding against the shim's native C loop (same actions, same calls per frame), and the full
// ALE/<Game>-v5 preprocessing stack. Run with SOBOLEVRL_ALE_LIB set:
//   dotnet run -c Release tests/benchmarks/AleBindingBenchmark.cs -- <rom> [frames per run (20000)] [rounds (7)] [--json]
// Each round runs the native and the managed loop from the same emulator state with the same seed (so they play the same
// frames), in alternating order. Each pair gives a ratio C#/C; the median ratio is reported, in wall-clock time and in
// process CPU time (the latter is steadier when other processes share the cores).
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SobolevRL.Envs.Ale;
using SobolevRL.Envs.Core;

bool json = args.Contains("--json");
args = args.Where(a => a != "--json").ToArray();
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: AleBindingBenchmark.cs <rom file> [frames per run (20000)] [rounds (7)] [--json]");
    return 2;
}
string rom = Path.GetFullPath(args[0]);
long frames = args.Length > 1 ? long.Parse(args[1], CultureInfo.InvariantCulture) : 20_000;
int rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 7;
AleLibrary.Load(AleLibrary.ResolvePath(null, Environment.GetEnvironmentVariable(AleLibrary.PathVariable)));
if (!json) Console.WriteLine($"ALE {AleLibrary.AleVersion()}, ROM {rom}, {frames} frames per run, {rounds} rounds, sticky 0.25");

using var emulator = AleEmulator.Create(rom, new AleEmulatorSettings(0, 0.25f));
emulator.Act(0);
AleThroughput.ManagedFramesPerSecond(emulator, 2_000, 1, true); // JIT and caches
var process = Process.GetCurrentProcess();
(double Wall, double Cpu) Timed(Func<double> run)
{
    process.Refresh();
    var cpu = process.TotalProcessorTime;
    double wall = run();
    process.Refresh();
    return (wall, frames / (process.TotalProcessorTime - cpu).TotalSeconds);
}
var loops = new List<object>();
foreach (bool grayscale in new[] { false, true })
{
    var native = new List<(double Wall, double Cpu)>();
    var managed = new List<(double Wall, double Cpu)>();
    for (int round = 0; round < rounds; round++)
    {
        ulong seed = (ulong)round + 1;
        (double, double) RunNative()
        {
            emulator.Reseed(round);
            emulator.ResetGame();
            return Timed(() => emulator.NativeBenchmark(frames, seed, grayscale));
        }
        (double, double) RunManaged()
        {
            emulator.Reseed(round);
            emulator.ResetGame();
            return Timed(() => AleThroughput.ManagedFramesPerSecond(emulator, frames, seed, grayscale));
        }
        if (round % 2 == 0) { native.Add(RunNative()); managed.Add(RunManaged()); }
        else { managed.Add(RunManaged()); native.Add(RunNative()); }
    }
    string calls = grayscale ? "act+grayscale+game_over" : "act+game_over";
    double wallRatio = Median(native.Zip(managed, (n, m) => m.Wall / n.Wall));
    double cpuRatio = Median(native.Zip(managed, (n, m) => m.Cpu / n.Cpu));
    double nativeCpu = Median(native.Select(r => r.Cpu)), managedCpu = Median(managed.Select(r => r.Cpu));
    loops.Add(new { calls, native_frames_per_cpu_second = nativeCpu, managed_frames_per_cpu_second = managedCpu, cpu_ratio = cpuRatio, wall_ratio = wallRatio });
    if (!json)
        Console.WriteLine($"{calls}: native C {nativeCpu:F0}, C# {managedCpu:F0} frames/CPU-s; median of paired C#/C: CPU {cpuRatio:P1}, wall {wallRatio:P1}");
}

// The cost of one binding call on its own (a call that does almost nothing natively), to put the frame rates in scale.
const int Calls = 2_000_000;
int overCount = 0;
long callStart = Stopwatch.GetTimestamp();
for (int i = 0; i < Calls; i++) overCount += emulator.IsGameOver ? 1 : 0;
double nsPerCall = Stopwatch.GetElapsedTime(callStart).TotalNanoseconds / Calls;
if (!json) Console.WriteLine($"one binding call (IsGameOver, wall): {nsPerCall:F1} ns ({overCount} of {Calls} said game over)");

// The whole ALE/<Game>-v5 stack (frame skip 4, max-pool, resize, no-op resets), counted in emulated frames.
string romId = Path.GetFileNameWithoutExtension(rom);
using var env = new AleFamily().Make(AleFamily.IdOf(romId), EnvOptions.Parse([$"roms={Path.GetDirectoryName(rom)}"]));
var obs = new byte[env.ObservationSpace.Size];
var random = new Random(1);
var stack = new List<double>();
for (int round = 0; round < Math.Min(rounds, 3); round++)
{
    env.Reset(round, obs);
    long steps = frames / 4;
    long start = Stopwatch.GetTimestamp();
    for (long t = 0; t < steps; t++)
        if (env.Step(random.Next(env.ActionSpace.N), obs).Done) env.Reset(null, obs);
    stack.Add(steps * 4 / Stopwatch.GetElapsedTime(start).TotalSeconds);
}
double load = double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
if (json)
{
    Console.WriteLine(JsonSerializer.Serialize(new
    {
        ale = AleLibrary.AleVersion(), rom, frames, rounds, loops, binding_call_ns = nsPerCall,
        full_stack = new { env = env.Id, frames_per_second = Median(stack), steps_per_second = Median(stack) / 4 },
        load_average = load,
    }));
    return 0;
}
Console.WriteLine($"{env.Id} full stack: {Median(stack):F0} emulated frames/s ({Median(stack) / 4:F0} steps/s)");
Console.WriteLine($"load average {load}");
return 0;

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}
