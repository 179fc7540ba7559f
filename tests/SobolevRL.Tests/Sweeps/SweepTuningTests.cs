using System.Globalization;
using System.Text.Json;

namespace SobolevRL.Tests.Sweeps;

/// <summary>
/// A sweep's <c>tune</c> (and <c>sweep report --tune</c>): per seed and point of the other keys the run of lowest
/// validation KL is kept, and tuned points are paired with Regular by seed. Checked on a real sweep of tiny distillations
/// against the runs' own summary.json files, read here independently of the report.
/// </summary>
[Trait("speed", "slow")] // runs nine tiny distillations through the CLI
public sealed class SweepTuningTests : IDisposable
{
    readonly string _dir = SweepFixtures.TempDir();

    public void Dispose() => SweepFixtures.Delete(_dir);

    const string Validation = "\n  validation: {fraction: 0.25, every: 10}\n";
    const string Data = "data: {env: MinAtar/Breakout-v1, states: 600, labels: full}\n";
    const string Grid = "grid:\n  loss.sobolev: [\"off\", full]\n  loss.weight: [0.1, 1]\nseeds: [0, 1, 2]\n";

    [Fact]
    public void KeepsTheRunOfLowestValidationKlPerSeedAndPairsItWithRegular()
    {
        string file = SweepFixtures.Write(_dir, "tuned", SweepFixtures.TinyBase + Validation + Data + Grid + "tune: [loss.weight]\n");
        string sweepDir = Path.Combine(_dir, "out");
        Assert.Equal(9, SweepFixtures.CliJson(0, "sweep", "--config", file, "--out", sweepDir, "--parallel", "2").GetProperty("done").GetInt32());
        var runs = Runs(sweepDir);
        Assert.Equal(9, runs.Count);
        Assert.All(runs, r => Assert.True(double.IsFinite(r.ValidationKl), $"run {r.Id} has no validation KL"));

        var report = SweepFixtures.CliJson(0, "sweep", "report", sweepDir);
        var tuned = report.GetProperty("tuned").EnumerateArray().ToArray();
        Assert.Equal(6, tuned.Length); // (Regular, Sobolev) × 3 seeds
        foreach (var choice in tuned)
        {
            string sobolev = choice.GetProperty("point").GetProperty("loss.sobolev").GetString()!, seed = choice.GetProperty("seed").GetString()!;
            var candidates = runs.Where(r => r.Sobolev == sobolev && r.Seed == seed).ToArray();
            Assert.Equal(sobolev == "off" ? 1 : 2, candidates.Length); // Regular ignores loss.weight: one run per seed
            Assert.Equal(candidates.Length, choice.GetProperty("candidates").GetInt32());
            Assert.Equal(candidates.MinBy(r => r.ValidationKl)!.Id, choice.GetProperty("chosen_id").GetString());
            var regularId = choice.GetProperty("regular_id");
            if (sobolev == "off") Assert.Equal(JsonValueKind.Null, regularId.ValueKind);
            else Assert.Equal(runs.Single(r => r.Sobolev == "off" && r.Seed == seed).Id, regularId.GetString());
        }

        // The report's table: the kept runs' mean held-out KL, and the paired difference with Regular.
        string md = File.ReadAllText(Path.Combine(sweepDir, "report", "report.md"));
        Assert.Contains("## Tuned on validation: loss.weight", md);
        md = md[md.IndexOf("## Tuned on validation", StringComparison.Ordinal)..];
        var kept = tuned.Where(c => c.GetProperty("point").GetProperty("loss.sobolev").GetString() == "full")
            .Select(c => runs.Single(r => r.Id == c.GetProperty("chosen_id").GetString())).OrderBy(r => r.Seed).ToArray();
        var regular = runs.Where(r => r.Sobolev == "off").OrderBy(r => r.Seed).ToArray();
        var row = Row(md, "| full |");
        Assert.StartsWith(G4(kept.Average(r => r.HeldOutKl)) + " ± ", row[3]);
        var pairedRow = Row(md, "| full | 3 |");
        double meanDifference = kept.Zip(regular, (s, r) => s.HeldOutKl - r.HeldOutKl).Average();
        Assert.StartsWith(G4(meanDifference) + " [", pairedRow[2]);
        Assert.Equal($"{kept.Zip(regular).Count(p => p.First.HeldOutKl < p.Second.HeldOutKl)}/3", pairedRow[3]);
        Assert.Equal(6, File.ReadAllLines(Path.Combine(sweepDir, "report", "tuned.csv")).Length - 1);

        // Tuning loss.sobolev too is a λ search with λ = 0 among the candidates: one point, three candidates per seed.
        tuned = SweepFixtures.CliJson(0, "sweep", "report", sweepDir, "--tune", "loss.sobolev,loss.weight").GetProperty("tuned").EnumerateArray().ToArray();
        Assert.Equal(3, tuned.Length);
        foreach (var choice in tuned)
        {
            var candidates = runs.Where(r => r.Seed == choice.GetProperty("seed").GetString()).ToArray();
            Assert.Equal(3, choice.GetProperty("candidates").GetInt32());
            Assert.Equal(candidates.MinBy(r => r.ValidationKl)!.Id, choice.GetProperty("chosen_id").GetString());
            Assert.Equal(candidates.Single(r => r.Sobolev == "off").Id, choice.GetProperty("regular_id").GetString());
        }

        var notSwept = CliProcess.Run("sweep", "report", sweepDir, "--tune", "optim.steps");
        Assert.True(notSwept.Code == 2, notSwept.Stderr);
        Assert.Contains("--tune 'optim.steps' is not a swept key", notSwept.Stderr);
    }

    [Fact]
    public void RefusesATuneItCannotChooseBeforeAnythingStarts()
    {
        string outDir = Path.Combine(_dir, "never");
        string noSplit = SweepFixtures.Write(_dir, "nosplit", SweepFixtures.TinyBase + "\n  validation: {fraction: 0}\n" + Data + Grid + "tune: [loss.weight]\n");
        var e1 = CliProcess.Run("sweep", "--config", noSplit, "--out", outDir);
        Assert.True(e1.Code == 2, e1.Stderr);
        Assert.Contains("validation.fraction is 0", e1.Stderr);

        string noPoint = SweepFixtures.Write(_dir, "nopoint", SweepFixtures.TinyBase + "\n  validation: {every: 500}\n" + Data + Grid + "tune: [loss.weight]\n");
        var e2 = CliProcess.Run("sweep", "--config", noPoint, "--out", outDir);
        Assert.True(e2.Code == 2, e2.Stderr);
        Assert.Contains("gives no validation point within optim.steps", e2.Stderr);

        string unswept = SweepFixtures.Write(_dir, "unswept", SweepFixtures.TinyBase + Validation + Data + Grid + "tune: [optim.learning_rate]\n");
        var e3 = CliProcess.Run("sweep", "--config", unswept, "--out", outDir);
        Assert.True(e3.Code == 2, e3.Stderr);
        Assert.Contains("'optim.learning_rate' is not a swept key", e3.Stderr);
        Assert.False(Directory.Exists(outDir));
    }

    sealed record Run(string Id, string Sobolev, string Seed, double ValidationKl, double HeldOutKl);

    // Every run of the sweep from its own files: run.json (swept values) and run/summary.json (the distill summary).
    static List<Run> Runs(string sweepDir) =>
        [.. Directory.GetDirectories(Path.Combine(sweepDir, "runs")).Select(dir =>
        {
            using var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "run.json")));
            using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "run", "summary.json")));
            var assignments = run.RootElement.GetProperty("assignments");
            var distill = summary.RootElement;
            return new Run(Path.GetFileName(dir), assignments.GetProperty("loss.sobolev").GetString()!, assignments.GetProperty("seed").GetString()!,
                distill.GetProperty("validation_kl").GetDouble(), distill.GetProperty("held_out_kl").GetDouble());
        })];

    // The cells of the first table row that starts with the given text.
    static string[] Row(string md, string start)
    {
        string line = md.Split('\n').First(l => l.StartsWith(start, StringComparison.Ordinal));
        return [.. line.Trim('|').Split('|').Select(c => c.Trim())];
    }

    static string G4(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}
