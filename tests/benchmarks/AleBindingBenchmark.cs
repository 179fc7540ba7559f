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
foreach (bool grayscale in new[] { false, true })
{
    var native = new List<double>();
    var managed = new List<double>();
    for (int round = 0; round < rounds; round++)
    {
        emulator.Reseed(round);
        emulator.ResetGame();
        native.Add(emulator.NativeBenchmark(frames, (ulong)round + 1, grayscale));
        emulator.Reseed(round);
        emulator.ResetGame();
        managed.Add(AleThroughput.ManagedFramesPerSecond(emulator, frames, (ulong)round + 1, grayscale));
    }
    double n = Median(native), m = Median(managed);
    Console.WriteLine($"act+game_over{(grayscale ? "+grayscale" : "")}: native C {n:F0} frames/s, C# binding {m:F0} frames/s, C#/C = {m / n:P1}" +
        $"  (native runs: {string.Join(" ", native.Select(v => v.ToString("F0", CultureInfo.InvariantCulture)))}; C#: {string.Join(" ", managed.Select(v => v.ToString("F0", CultureInfo.InvariantCulture)))})");
}

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
