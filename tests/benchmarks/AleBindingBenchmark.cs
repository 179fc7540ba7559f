#:project ../../envs/SobolevRL.Envs/SobolevRL.Envs.csproj
// Measures the C# ALE binding against the shim's native C loop (same actions, same calls per frame), and the full
// ALE/<Game>-v5 preprocessing stack. Run: dotnet run -c Release tests/benchmarks/AleBindingBenchmark.cs -- <rom> [frames] [rounds]
// with SOBOLEVRL_ALE_LIB set. Rounds alternate native and managed runs from the same emulator state; medians are reported.
using System.Diagnostics;
using System.Globalization;
using SobolevRL.Envs.Ale;
using SobolevRL.Envs.Core;

if (args.Length < 1)
{
    Console.Error.WriteLine("usage: AleBindingBenchmark.cs <rom file> [frames per run (200000)] [rounds (5)]");
    return 2;
}
string rom = Path.GetFullPath(args[0]);
long frames = args.Length > 1 ? long.Parse(args[1], CultureInfo.InvariantCulture) : 200_000;
int rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5;
AleLibrary.Load(AleLibrary.ResolvePath(null, Environment.GetEnvironmentVariable(AleLibrary.PathVariable)));
Console.WriteLine($"ALE {AleLibrary.AleVersion()}, ROM {rom}, {frames} frames per run, {rounds} rounds, sticky 0.25");

using var emulator = AleEmulator.Create(rom, new AleEmulatorSettings(0, 0.25f));
emulator.Act(0);
AleThroughput.ManagedFramesPerSecond(emulator, 20_000, 1, true); // JIT and caches
// On a shared machine wall-clock rates swing with the load, so each run is also measured in process CPU time.
var process = Process.GetCurrentProcess();
(double Wall, double Cpu) Timed(Func<double> run)
{
    process.Refresh();
    var cpu = process.TotalProcessorTime;
    double wall = run();
    process.Refresh();
    return (wall, frames / (process.TotalProcessorTime - cpu).TotalSeconds);
}
foreach (bool grayscale in new[] { false, true })
{
    var native = new List<(double Wall, double Cpu)>();
    var managed = new List<(double Wall, double Cpu)>();
    for (int round = 0; round < rounds; round++)
    {
        emulator.Reseed(round);
        emulator.ResetGame();
        native.Add(Timed(() => emulator.NativeBenchmark(frames, (ulong)round + 1, grayscale)));
        emulator.Reseed(round);
        emulator.ResetGame();
        managed.Add(Timed(() => AleThroughput.ManagedFramesPerSecond(emulator, frames, (ulong)round + 1, grayscale)));
    }
    string calls = grayscale ? "act+grayscale+game_over" : "act+game_over";
    double nw = Median(native.Select(r => r.Wall).ToList()), mw = Median(managed.Select(r => r.Wall).ToList());
    double nc = Median(native.Select(r => r.Cpu).ToList()), mc = Median(managed.Select(r => r.Cpu).ToList());
    Console.WriteLine($"{calls}: wall  native C {nw:F0} frames/s, C# {mw:F0} frames/s, C#/C {mw / nw:P1}");
    Console.WriteLine($"{calls}: CPU   native C {nc:F0} frames/CPU-s, C# {mc:F0} frames/CPU-s, C#/C {mc / nc:P1}");
}

// The cost of one binding call on its own (a call that does almost nothing natively), to put the frame rates in scale.
const int Calls = 2_000_000;
int overCount = 0;
long callStart = Stopwatch.GetTimestamp();
for (int i = 0; i < Calls; i++) overCount += emulator.IsGameOver ? 1 : 0;
double nsPerCall = Stopwatch.GetElapsedTime(callStart).TotalNanoseconds / Calls;
Console.WriteLine($"one binding call (IsGameOver, wall): {nsPerCall:F1} ns ({overCount} of {Calls} said game over)");

// The whole ALE/<Game>-v5 stack (frame skip 4, max-pool, resize, no-op resets), counted in emulated frames.
string romId = Path.GetFileNameWithoutExtension(rom);
using var env = new AleFamily().Make(AleFamily.IdOf(romId), EnvOptions.Parse([$"roms={Path.GetDirectoryName(rom)}"]));
var obs = new byte[env.ObservationSpace.Size];
var random = new Random(1);
var stack = new List<double>();
for (int round = 0; round < rounds; round++)
{
    env.Reset(round, obs);
    long steps = frames / 4;
    long start = Stopwatch.GetTimestamp();
    for (long t = 0; t < steps; t++)
        if (env.Step(random.Next(env.ActionSpace.N), obs).Done) env.Reset(null, obs);
    stack.Add(steps * 4 / Stopwatch.GetElapsedTime(start).TotalSeconds);
}
Console.WriteLine($"{env.Id} full stack: {Median(stack):F0} emulated frames/s ({Median(stack) / 4:F0} steps/s)");
return 0;

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}
