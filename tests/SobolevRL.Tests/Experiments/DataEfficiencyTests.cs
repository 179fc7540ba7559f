using SobolevRL.Experiments;
using SobolevRL.Reporting;
using SobolevRL.Runs;
using SobolevRL.Tests.Distillation;
using SobolevRL.Tests.Replay;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Experiments;

[Collection(TorchGlobalState.Name)]
[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public class DataEfficiencyTests
{
    public DataEfficiencyTests() => DistillFixtures.SingleThread();

    [Fact]
    public void GrowingFractionsTrainRegularAndSobolevStudentsAndAKilledExperimentResumes()
    {
        string dir = ExperimentFixtures.TempDir();
        try
        {
            var options = new DataEfficiencyOptions
            {
                Data = ExperimentFixtures.Data(600),
                Fractions = [20, 100],
                Seeds = 1,
                Episodes = 1,
                MaxEpisodeSteps = 200,
                Distill = ExperimentFixtures.Distill(20),
            };
            using (var cancel = new CancellationTokenSource())
            {
                var stopAfterFirst = new ActionProgress(p => { if (p.Task == "data-efficiency" && p.Done == 1) cancel.Cancel(); });
                Assert.ThrowsAny<OperationCanceledException>(() => DataEfficiencyExperiment.Run(options, dir, CPU, stopAfterFirst, cancel.Token));
            }
            string first = Path.Combine(dir, "runs", "p20-s0-regular", StudentRuns.ResultFile);
            var finishedAt = File.GetLastWriteTimeUtc(first);

            var result = DataEfficiencyExperiment.Run(options, dir, CPU, cancel: TestContext.Current.CancellationToken)!;
            Assert.Equal(finishedAt, File.GetLastWriteTimeUtc(first));
            Assert.Equal(4, result.Rows.Count);
            var small = result.Rows.First(r => r.Percent == 20).TrainStates;
            Assert.True(small > 0 && small < result.TrainStates, $"{small} of {result.TrainStates}");
            Assert.All(result.Rows.Where(r => r.Percent == 100), r => Assert.Equal(result.TrainStates, r.TrainStates));
            Assert.All(result.Rows, r => Assert.InRange(r.ActionError, 0, 1));
            Assert.Equal(5, File.ReadAllLines(Path.Combine(dir, DataEfficiencyReport.ResultsFile)).Length);
            var table = File.ReadAllLines(Path.Combine(dir, DataEfficiencyReport.TableFile));
            Assert.Equal(3, table.Length);
            Assert.Contains("gradient_error_regular_mean,gradient_error_regular_std,gradient_error_sobolev_mean,gradient_error_sobolev_std", table[0]);

            // 600 states are a few episodes: every fraction and the held-out set are flagged, with their sizes.
            var warnings = DataEfficiencyExperiment.SmallDataWarnings(options, Path.Combine(dir, "dataset"), result.HeldOutStates);
            Assert.Contains(warnings, w => w.StartsWith("warning: fraction 20% holds ", StringComparison.Ordinal) && w.Contains("fewer than 10", StringComparison.Ordinal));
            Assert.Contains(warnings, w => w.StartsWith($"warning: {result.HeldOutStates} held-out states, fewer than 1000", StringComparison.Ordinal));
            Assert.True(File.Exists(Path.Combine(dir, "action_error.png")));
            Assert.Contains("| 20 |", File.ReadAllText(Path.Combine(dir, RunDirectory.ReportFile)));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void TheFormComparisonPairsEveryFormsValidationChoiceWithOneRegularStudent()
    {
        string dir = ExperimentFixtures.TempDir();
        try
        {
            var options = new DataEfficiencyOptions
            {
                Data = ExperimentFixtures.Data(600),
                Fractions = [100],
                Seeds = 2,
                Episodes = 0,
                Distill = ExperimentFixtures.Distill(20) with { Validation = new global::SobolevRL.Distillation.ValidationOptions { Fraction = 0.2, Every = 5 } },
                FormGrid = ["centered:0.001:0.1", "rows:0.3"],
                NoiseGrid = [0.05, 0.2],
            };
            Assert.Equal(1 + 2 + 1 + 2, DataEfficiencyExperiment.StudentsPerFractionAndSeed(options));
            var result = DataEfficiencyExperiment.Run(options, dir, CPU, cancel: TestContext.Current.CancellationToken)!;
            Assert.Equal(2 * 6, result.Rows.Count);
            foreach (var seed in result.Rows.GroupBy(r => r.Seed))
            {
                Assert.Single(seed, r => r.Mode == "regular" && !r.Trial);
                foreach (var mode in new[] { "centered", "rows", "noise" })
                {
                    var trials = seed.Where(r => r.Mode == mode).ToArray();
                    var chosen = Assert.Single(trials, r => !r.Trial);
                    Assert.Equal(trials.Min(r => r.ValidationKl), chosen.ValidationKl);
                }
                Assert.Equal([0.001, 0.1], seed.Where(r => r.Mode == "centered").Select(r => r.Lambda).Order());
                Assert.Equal([0.05, 0.2], seed.Where(r => r.Mode == "noise").Select(r => r.Lambda).Order());
            }
            Assert.True(File.Exists(Path.Combine(dir, "runs", "p100-s1-centered-l0.1", StudentRuns.ResultFile)));
            Assert.True(File.Exists(Path.Combine(dir, "runs", "p100-s0-noise-0.2", StudentRuns.ResultFile)));
            string report = File.ReadAllText(Path.Combine(dir, RunDirectory.ReportFile));
            Assert.Contains("## Loss forms against Regular, paired by seed", report);
            Assert.Contains("| 100 | centered |", report);
            Assert.Contains("| 100 | noise |", report);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void AnEqualCpuBudgetAddsARegularStudentTimedByTheLongestChosenForm()
    {
        string dir = ExperimentFixtures.TempDir();
        try
        {
            var options = new DataEfficiencyOptions
            {
                Data = ExperimentFixtures.Data(600),
                Fractions = [100],
                Seeds = 1,
                Episodes = 0,
                Distill = ExperimentFixtures.Distill(30) with { Validation = new global::SobolevRL.Distillation.ValidationOptions { Fraction = 0.2, Every = 10 } },
                FormGrid = ["centered:0.1", "rows:0.3"],
                Budget = BudgetKind.EqualCpu,
            };
            Assert.Equal(1 + 2 + 1, DataEfficiencyExperiment.StudentsPerFractionAndSeed(options));
            var result = DataEfficiencyExperiment.Run(options, dir, CPU, cancel: TestContext.Current.CancellationToken)!;
            Assert.Equal(["centered", "regular", "regular-cpu", "rows"], result.Rows.Select(r => r.Mode).Order());
            var budgeted = result.Rows.Single(r => r.Mode == "regular-cpu");
            double longest = result.Rows.Where(r => r.Mode is "centered" or "rows").Max(r => r.CpuSeconds);
            // Its run was given the longest chosen form's CPU time and 20× the steps, and stopped on one of the two
            // (validation never stops it: no patience).
            var saved = global::SobolevRL.Config.ConfigLoader.Load<global::SobolevRL.Distillation.DistillOptions>(Path.Combine(budgeted.RunPath, RunDirectory.ConfigFile), []);
            Assert.Equal(longest, saved.Optim.MaxCpuSeconds);
            Assert.Equal(20 * 30, saved.Optim.Steps);
            Assert.Equal("off", saved.Loss.Sobolev);
            Assert.True(budgeted.Steps == 20 * 30 || budgeted.CpuSeconds >= longest, $"{budgeted.Steps} steps, {budgeted.CpuSeconds} of {longest} CPU s");
            Assert.True(budgeted.Steps > 30, $"a Regular step costs less than a Sobolev one: {budgeted.Steps} steps in the forms' CPU time");
            string report = File.ReadAllText(Path.Combine(dir, RunDirectory.ReportFile));
            Assert.Contains("## Loss forms against Regular trained for the Sobolev students' CPU time, paired by seed", report);
            Assert.Contains("| 100 | regular-cpu |", report);
            Assert.Contains("Budget equal_cpu: per fraction and seed a further Regular student (regular-cpu)", report);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void PartsTrainTheirOwnFractionSeedGroupsAndTheReportEqualsOneProcesss()
    {
        string sharded = ExperimentFixtures.TempDir(), whole = ExperimentFixtures.TempDir();
        try
        {
            var options = new DataEfficiencyOptions
            {
                Data = ExperimentFixtures.Data(600),
                Fractions = [50, 100],
                Seeds = 2,
                Episodes = 1,
                MaxEpisodeSteps = 100,
                Distill = ExperimentFixtures.Distill(10),
            };
            var cancel = TestContext.Current.CancellationToken;
            // Part 1 of 2 first (parts start in any order): groups are (fraction, seed) in order, so it owns seed 1 of each fraction.
            Assert.Null(DataEfficiencyExperiment.Run(options, sharded, CPU, cancel: cancel, shard: new ExperimentShard(1, 2)));
            string[] Runs() => [.. Directory.GetDirectories(Path.Combine(sharded, "runs")).Select(Path.GetFileName).Order()!];
            Assert.Equal(["p100-s1-regular", "p100-s1-sobolev", "p50-s1-regular", "p50-s1-sobolev"], Runs());
            Assert.False(File.Exists(Path.Combine(sharded, RunDirectory.ReportFile)));
            Assert.Null(DataEfficiencyExperiment.Run(options, sharded, CPU, cancel: cancel, shard: new ExperimentShard(0, 2)));
            Assert.Equal(8, Runs().Length);
            var fromParts = DataEfficiencyExperiment.Run(options, sharded, CPU, cancel: cancel)!;
            var oneProcess = DataEfficiencyExperiment.Run(options, whole, CPU, cancel: cancel)!;
            // Every number but the timings (and the run paths) is the same: each student is deterministic by its seed.
            string[] Results(string dir) => [.. File.ReadAllLines(Path.Combine(dir, DataEfficiencyReport.ResultsFile)).Select(l => string.Join(',', l.Split(',').Where((_, i) => !Timing.Contains(i))))];
            Assert.Equal(Results(whole), Results(sharded));
            Assert.Equal(oneProcess.Rows.Select(r => (r.Percent, r.Seed, r.Mode, r.Kl, r.ReturnMean)), fromParts.Rows.Select(r => (r.Percent, r.Seed, r.Mode, r.Kl, r.ReturnMean)));
        }
        finally
        {
            Directory.Delete(sharded, true);
            Directory.Delete(whole, true);
        }
    }

    [Fact]
    public void AShardWithoutOutOrOutOfRangeIsRefusedBeforeAnyWork()
    {
        string dir = Path.Combine(ExperimentFixtures.TempDir(), "never");
        var noOut = CliProcess.Run("experiment", "data-efficiency", "--shard", "0/2", "--states", "600", "--yes");
        Assert.True(noOut.Code == 2, noOut.Stderr);
        Assert.Contains("--shard needs --out", noOut.Stderr);
        var outOfRange = CliProcess.Run("experiment", "data-efficiency", "--shard", "2/2", "--states", "600", "--out", dir);
        Assert.True(outOfRange.Code == 2, outOfRange.Stderr);
        Assert.Contains("--shard '2/2': expected I/N with 0 <= I < N", outOfRange.Stderr);
        Assert.False(Directory.Exists(dir));
    }

    // Columns of results.csv that depend on the process: run (its path), train_seconds, cpu_seconds.
    static readonly int[] Timing = [8, 13, 14];

    [Fact]
    public void ABadFormGridIsAUserErrorNamingItsKey()
    {
        foreach (var entry in new[] { "centred:0.1", "centered", "fisher:-1", "rows:x" })
        {
            var e = Assert.Throws<UserErrorException>(() => new DataEfficiencyOptions { FormGrid = [entry] }.Validate(""));
            Assert.Contains("`form_grid`", e.Message);
        }
        var both = Assert.Throws<UserErrorException>(() => new DataEfficiencyOptions { FormGrid = ["rows:1"], LambdaGrid = [0.1] }.Validate(""));
        Assert.Contains("`lambda_grid`", both.Message);
        Assert.Contains("equal_time and equal_cpu", Assert.Throws<UserErrorException>(() => new DataEfficiencyOptions { LambdaGrid = [0.1], Budget = BudgetKind.EqualCpu }.Validate("")).Message);
        Assert.Contains("`form_grid`", Assert.Throws<UserErrorException>(() => new DataEfficiencyOptions { NoiseGrid = [0.1], Budget = BudgetKind.EqualTime }.Validate("")).Message);
        var noValidation = new DataEfficiencyOptions { NoiseGrid = [0.1] };
        noValidation = noValidation with { Distill = noValidation.Distill with { Validation = new global::SobolevRL.Distillation.ValidationOptions { Fraction = 0 } } };
        Assert.Contains("`distill.validation.fraction`", Assert.Throws<UserErrorException>(() => noValidation.Validate("")).Message);
    }

    [Fact]
    public void ABadFractionOrAnOffSobolevTermIsAUserError()
    {
        var e = Assert.Throws<UserErrorException>(() => new DataEfficiencyOptions { Fractions = [0] }.Validate(""));
        Assert.Contains("fractions", e.Message);
        e = Assert.Throws<UserErrorException>(() => new DataEfficiencyOptions { Sobolev = "off" }.Validate(""));
        Assert.Contains("sobolev", e.Message);
    }
}
