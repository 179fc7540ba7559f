using System.Text.Json;
using SobolevRL.Experiments;
using SobolevRL.Runs;
using SobolevRL.Tests.Distillation;
using SobolevRL.Tests.Replay;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Experiments;

/// <summary><c>experiment multi-game</c>: a tiny configuration end to end, resume, the paired tables and the refusals.</summary>
[Collection(TorchGlobalState.Name)]
[Trait("speed", "slow")] // trains 16 tiny students with the shipped teachers' datasets: seconds
public class MultiGameExperimentTests
{
    public MultiGameExperimentTests() => DistillFixtures.SingleThread();

    private static MultiGameExperimentOptions Tiny() => new()
    {
        Games = ["breakout", "spaceinvaders"],
        HeldOut = "asterix",
        Students = "minatar:4,16",
        Seeds = 2,
        States = 500,
        FewShot = [50],
        FewShotSteps = 6,
        Episodes = 1,
        Distill = new MultiGameExperimentOptions().Distill with
        {
            Student = "minatar:4,16",
            Optim = new OptimOptions { Steps = 8, BatchSize = 8, LearningRate = 3e-3 },
            Logging = new LoggingOptions { MetricsEvery = 4, CheckpointEvery = 4, EvalEvery = 0, HeldOutStates = 32 },
        },
    };

    [Fact]
    public void WarnsBeforeTrainingWhenTwoFewShotFractionsSelectTheSameEpisodes()
    {
        string dir = ExperimentFixtures.TempDir();
        try
        {
            // Fractions are whole episodes, at least one: 1% and 2% of the tiny held-out dataset are both its first episode.
            var options = Tiny() with { Seeds = 1, SingleGame = false, FewShot = [1, 2, 100] };
            var log = new List<string>();
            using var cancel = new CancellationTokenSource();
            var stopAtTheFirstStudent = new ActionProgress(p => { if (p is { Task: "multi-game", Unit: "students" }) cancel.Cancel(); });
            Assert.ThrowsAny<OperationCanceledException>(() => MultiGameExperiment.Run(options, dir, CPU, stopAtTheFirstStudent, cancel.Token, log.Add));
            string warning = Assert.Single(log, l => l.StartsWith("warning: few-shot", StringComparison.Ordinal));
            Assert.Contains("1%, 2% of asterix select the same", warning);
            Assert.DoesNotContain("100%", warning);
        }
        finally
        {
            DistillFixtures.Delete(dir);
        }
    }

    [Fact]
    public void TrainsEveryStudentScoresEveryGameWritesTheReportAndAKilledExperimentResumes()
    {
        string dir = ExperimentFixtures.TempDir();
        try
        {
            var options = Tiny();
            using (var cancel = new CancellationTokenSource())
            {
                var stopAfterFirst = new ActionProgress(p => { if (p is { Task: "multi-game", Unit: "students", Done: 1 }) cancel.Cancel(); });
                Assert.ThrowsAny<OperationCanceledException>(() => MultiGameExperiment.Run(options, dir, CPU, stopAfterFirst, cancel.Token));
            }
            string first = Path.Combine(dir, "runs", "multi-minatar-4x16-regular-s0", MultiGameExperiment.RowsFile);
            var finishedAt = File.GetLastWriteTimeUtc(first);

            var result = MultiGameExperiment.Run(options, dir, CPU, cancel: TestContext.Current.CancellationToken)!;
            Assert.Equal(finishedAt, File.GetLastWriteTimeUtc(first)); // the finished student was kept, not retrained

            // Per seed and loss: the multi-game student on 2 games, 2 single-game students, 2 few-shot students on the held-out game.
            Assert.Equal(2 * 2 * (2 + 2 + 2), result.Rows.Count);
            Assert.Equal(8, result.Rows.Count(r => r.Kind == "multi"));
            Assert.Equal(8, result.Rows.Count(r => r.Kind == "single"));
            Assert.All(result.Rows.Where(r => r.Kind.StartsWith("few", StringComparison.Ordinal)), r => Assert.Equal("asterix", r.Game));
            Assert.All(result.Rows, r =>
            {
                Assert.InRange(r.Agreement, 0, 1);
                Assert.True(r.Kl >= 0 && double.IsFinite(r.GradientError), $"{r.Run} {r.Game}");
                Assert.True(double.IsFinite(r.ReturnMean));
            });
            // % of teacher is the student's mean return over the teacher's under the same protocol and seeds.
            var teacher = result.TeacherReturns["breakout"];
            var row = result.Rows.First(r => r.Game == "breakout" && r.Kind == "multi");
            Assert.Equal(teacher.Mean == 0 ? double.NaN : 100 * row.ReturnMean / teacher.Mean, row.PercentOfTeacher, 9);
            // Sobolev students train with the gradient term, Regular without; few-shot from the multi-game run of the same loss and seed.
            Assert.Contains("sobolev: full", File.ReadAllText(Path.Combine(dir, "runs", "multi-minatar-4x16-sobolev-s1", RunDirectory.ConfigFile)));
            Assert.Contains("sobolev: off", File.ReadAllText(Path.Combine(dir, "runs", "multi-minatar-4x16-regular-s1", RunDirectory.ConfigFile)));
            var fewMulti = JsonSerializer.Deserialize<SobolevRL.Distillation.MultiGameSummary>(
                File.ReadAllText(Path.Combine(dir, "runs", "few-multi-sobolev-p50-s1", RunDirectory.SummaryFile)), Json.Options)!;
            Assert.NotNull(fewMulti.InitGames); // the torso came from the multi-game run
            Assert.Contains(Path.Combine(dir, "runs", "multi-minatar-4x16-sobolev-s1"),
                File.ReadAllText(Path.Combine(dir, "runs", "few-multi-sobolev-p50-s1", RunDirectory.ConfigFile)));

            foreach (string file in new[] { "report.md", "results.csv", "table.csv", "paired.csv", "percent_of_teacher.png", "transfer_kl.png", "summary.json" })
                Assert.True(File.Exists(Path.Combine(dir, file)), file);
            Assert.Equal(result.Rows.Count + 1, File.ReadAllLines(Path.Combine(dir, "results.csv")).Length);
            string report = File.ReadAllText(Path.Combine(dir, "report.md"));
            Assert.Contains("multi − single, sobolev", report);
            Assert.Contains("few-shot multi − scratch, regular", report);
        }
        finally
        {
            DistillFixtures.Delete(dir);
        }
    }

    [Fact]
    public void ShardsTrainDisjointPartsAndTheRunWithoutAShardReportsThem()
    {
        string dir = ExperimentFixtures.TempDir();
        try
        {
            var options = Tiny() with { Seeds = 1, SingleGame = false, FewShot = [], Episodes = 0 };
            string regular = Path.Combine(dir, "runs", "multi-minatar-4x16-regular-s0", MultiGameExperiment.RowsFile);
            string sobolev = Path.Combine(dir, "runs", "multi-minatar-4x16-sobolev-s0", MultiGameExperiment.RowsFile);
            Assert.Null(MultiGameExperiment.Run(options, dir, CPU, cancel: TestContext.Current.CancellationToken, shard: ExperimentShard.Parse("0/2")));
            Assert.True(File.Exists(regular));
            Assert.False(File.Exists(sobolev));
            Assert.False(File.Exists(Path.Combine(dir, RunDirectory.ReportFile)));
            Assert.Null(MultiGameExperiment.Run(options, dir, CPU, cancel: TestContext.Current.CancellationToken, shard: ExperimentShard.Parse("1/2")));
            var written = (File.GetLastWriteTimeUtc(regular), File.GetLastWriteTimeUtc(sobolev));

            var result = MultiGameExperiment.Run(options, dir, CPU, cancel: TestContext.Current.CancellationToken)!;
            Assert.Equal(written, (File.GetLastWriteTimeUtc(regular), File.GetLastWriteTimeUtc(sobolev)));
            Assert.Equal(4, result.Rows.Count);
            Assert.True(File.Exists(Path.Combine(dir, RunDirectory.ReportFile)));
            foreach (string bad in new[] { "2/2", "1", "a/3", "-1/2" })
                Assert.Contains("I/N", Assert.Throws<UserErrorException>(() => ExperimentShard.Parse(bad)).Message);
        }
        finally
        {
            DistillFixtures.Delete(dir);
        }
    }

    [Fact]
    public void ASharedHeadPlaysTheHeldOutGameZeroShotAndOtherShapesAreRefusedFirst()
    {
        string dir = ExperimentFixtures.TempDir();
        try
        {
            var tiny = Tiny();
            var options = tiny with
            {
                Games = ["breakout"],
                Seeds = 1,
                SingleGame = false,
                FewShot = [],
                Distill = tiny.Distill with { Games = new() { Head = SobolevRL.Distillation.HeadLayout.Shared, Adapter = SobolevRL.Distillation.InputAdapter.None } },
            };
            var result = MultiGameExperiment.Run(options, dir, CPU, cancel: TestContext.Current.CancellationToken)!;
            var zeroShot = result.Rows.Where(r => r.Split == "zero-shot").ToArray();
            Assert.Equal(2, zeroShot.Length); // the Regular and the Sobolev multi-game student
            Assert.All(zeroShot, r =>
            {
                Assert.Equal("asterix", r.Game);
                Assert.InRange(r.Agreement, 0, 1);
                Assert.True(r.Kl >= 0 && double.IsFinite(r.GradientError) && double.IsFinite(r.ReturnMean));
            });
            Assert.Contains("zero-shot", File.ReadAllText(Path.Combine(dir, "report.md")));

            // The held-out game was also scored while each multi-game student trained: every step (a tenth of the 8 steps,
            // at least 1), its final figures in the run's summary equal to the suite's zero-shot returns after training.
            Assert.All(zeroShot, r =>
            {
                string run = Path.Combine(dir, r.Run);
                var rows = File.ReadLines(Path.Combine(run, MultiGameTrainer.HeldOutEvalFile("asterix"))).Skip(1).Select(l => l.Split(',')[0]);
                Assert.Equal(Enumerable.Range(1, 8).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), rows);
                var summary = JsonSerializer.Deserialize<MultiGameSummary>(File.ReadAllText(Path.Combine(run, RunDirectory.SummaryFile)), Json.Options)!;
                Assert.Equal(r.ReturnMean, Assert.Single(summary.HeldOutGames!).Returns!.Mean);
            });
            Assert.True(File.Exists(Path.Combine(dir, "held_out_return.png")) && File.Exists(Path.Combine(dir, "held_out_kl.png")));
            Assert.Contains("asterix during training (zero-shot)", File.ReadAllText(Path.Combine(dir, "report.md")));

            string refused = Path.Combine(Path.GetTempPath(), "sobolevrl-mg-refused-" + Guid.NewGuid().ToString("N")[..8]);
            var e = Assert.Throws<UserErrorException>(() => MultiGameExperiment.Run(options with { Games = ["breakout", "spaceinvaders"] }, refused, CPU,
                cancel: TestContext.Current.CancellationToken));
            Assert.Contains("one observation shape", e.Message);
            Assert.False(Directory.Exists(refused));
        }
        finally
        {
            DistillFixtures.Delete(dir);
        }
    }

    [Fact]
    public void WithALambdaGridEachSobolevStudentIsItsSearchsChoiceOnValidationAndTheReportSaysWhichLambda()
    {
        string dir = ExperimentFixtures.TempDir();
        try
        {
            // Validation every 3 of the 8 (multi-game) and 6 (few-shot) steps, on 30% of each game's training episodes.
            var validated = Tiny().Distill with { Validation = new ValidationOptions { Every = 3, Fraction = 0.3 } };
            var options = Tiny() with { Seeds = 1, SingleGame = false, FewShot = [100], Episodes = 0, LambdaGrid = [0.1], Distill = validated };
            var result = MultiGameExperiment.Run(options, dir, CPU, cancel: TestContext.Current.CancellationToken)!;
            Assert.All(result.Rows.Where(r => r.Loss == "regular"), r => Assert.Equal(0, r.Lambda));
            foreach (string name in new[] { "multi-minatar-4x16-sobolev-s0", "few-scratch-sobolev-p100-s0", "few-multi-sobolev-p100-s0" })
            {
                // Each Sobolev student: a search over 0 and 0.1 in its run directory; its rows are those of the trial of lowest validation KL.
                string search = Path.Combine(dir, "runs", name);
                var saved = JsonSerializer.Deserialize<LambdaSearchResult<MultiGameSummary>>(File.ReadAllText(Path.Combine(search, "lambda-search.json")), Json.Options)!;
                Assert.Equal([0, 0.1], saved.Trials.Select(t => t.Lambda));
                Assert.Equal(saved.Trials.MinBy(t => t.Student.ValidationKl)!.Lambda, saved.Chosen.Lambda);
                var rows = result.Rows.Where(r => r.Run.StartsWith(Path.Combine("runs", name) + Path.DirectorySeparatorChar, StringComparison.Ordinal)).ToArray();
                Assert.NotEmpty(rows);
                Assert.All(rows, r => Assert.Equal((saved.Chosen.Lambda, Path.GetRelativePath(dir, LambdaSearch.TrialDirectory(search, saved.Chosen.Lambda))), (r.Lambda, r.Run)));
                Assert.All(rows, r => Assert.Equal(saved.Chosen.Student.Games.Single(g => g.Game == r.Game).HeldOutKl, r.Kl));
            }
            // The few-shot student from the multi-game one starts from the multi-game search's chosen trial.
            string chosenMulti = result.Rows.First(r => r.Kind == "multi" && r.Loss == "sobolev").Run;
            foreach (var trial in Directory.GetDirectories(Path.Combine(dir, "runs", "few-multi-sobolev-p100-s0"), "lambda-*"))
                Assert.Contains(Path.Combine(dir, chosenMulti), File.ReadAllText(Path.Combine(trial, RunDirectory.ConfigFile)));
            string report = File.ReadAllText(Path.Combine(dir, "report.md"));
            Assert.Contains("λ chosen per student by validation KL among 0, 0.1", report);
            Assert.Contains("## λ of the Sobolev students, chosen on validation", report);
            Assert.Contains($"`{chosenMulti}`", report);

            // Without a validation point within the steps the search could not choose: refused before anything is written.
            string refused = Path.Combine(Path.GetTempPath(), "sobolevrl-mg-refused-" + Guid.NewGuid().ToString("N")[..8]);
            var e = Assert.Throws<UserErrorException>(() => MultiGameExperiment.Run(options with { FewShotSteps = 2 }, refused, CPU,
                cancel: TestContext.Current.CancellationToken));
            Assert.Contains("lambda_grid", e.Message);
            Assert.Contains("validation.every (3)", e.Message);
            Assert.False(Directory.Exists(refused));
        }
        finally
        {
            DistillFixtures.Delete(dir);
        }
    }

    [Fact]
    public void SingleGameStudentsTrainTheirOwnStepsSoAMultiGameStudentCanSeeAsManyRowsOfEachGame()
    {
        string dir = ExperimentFixtures.TempDir();
        try
        {
            // Two games: the multi-game student's 8 steps of batch 8 hold 4 rows of each game a step, 32 in all, the
            // rows a single-game student sees in 4 steps of batch 8.
            var options = Tiny() with { Seeds = 1, FewShot = [], Episodes = 0, SingleGameSteps = 4 };
            Assert.Equal((8, 4, 6), (options.StepsOf("multi"), options.StepsOf("single"), options.StepsOf("few-scratch")));
            Assert.Equal(8, (Tiny() with { SingleGameSteps = 0 }).StepsOf("single"));
            var result = MultiGameExperiment.Run(options, dir, CPU, cancel: TestContext.Current.CancellationToken)!;
            Assert.All(result.Rows.Where(r => r.Kind == "single"), r => Assert.Equal(4, r.Steps));
            Assert.All(result.Rows.Where(r => r.Kind == "multi"), r => Assert.Equal(8, r.Steps));
            Assert.Equal(2 * 2, result.Rows.Count(r => r.Kind == "single")); // a student per game and loss, each scored on its game
            Assert.Contains("single-game `minatar:4,16` students on each training game (4 steps of the same batch)", File.ReadAllText(Path.Combine(dir, "report.md")));
            Assert.Contains("multi − single, regular", File.ReadAllText(Path.Combine(dir, "paired.csv")));

            // Bad values are refused before anything is written: a negative count, and with a λ grid a count below the
            // first validation point (the search could not choose).
            foreach (var (bad, message) in new[]
            {
                (options with { SingleGameSteps = -1 }, "single_game_steps"),
                (options with { SingleGameSteps = 2, LambdaGrid = [0.1], Distill = options.Distill with { Validation = new ValidationOptions { Every = 3, Fraction = 0.3 } } }, "single-game students train `single_game_steps`"),
            })
            {
                string refused = Path.Combine(Path.GetTempPath(), "sobolevrl-mg-refused-" + Guid.NewGuid().ToString("N")[..8]);
                var e = Assert.Throws<UserErrorException>(() => MultiGameExperiment.Run(bad, refused, CPU, cancel: TestContext.Current.CancellationToken));
                Assert.Contains(message, e.Message);
                Assert.False(Directory.Exists(refused));
            }
        }
        finally
        {
            DistillFixtures.Delete(dir);
        }
    }

    [Fact]
    public void PairsBySeedWithinTheSameStudentAndGame()
    {
        MultiGameRow Row(string kind, string loss, long seed, string game, double kl, double percent = double.NaN) =>
            new(kind, "minatar:4,16", loss, seed, percent, game, "trained", kl, 0.5, 1, 1, 50, 100, 100, 10, 1, "runs/x");
        var rows = new List<MultiGameRow>
        {
            Row("multi", "regular", 0, "breakout", 0.30), Row("multi", "sobolev", 0, "breakout", 0.20),
            Row("multi", "regular", 1, "breakout", 0.50), Row("multi", "sobolev", 1, "breakout", 0.10),
            Row("multi", "regular", 1, "freeway", 9.0), Row("multi", "sobolev", 1, "freeway", 9.0),
            Row("single", "regular", 0, "breakout", 0.40), Row("single", "regular", 1, "breakout", 0.40),
            Row("few-scratch", "sobolev", 0, "asterix", 1.0, 10), Row("few-multi", "sobolev", 0, "asterix", 0.7, 10),
            Row("few-multi", "sobolev", 0, "asterix", 0.1, 25),
        };
        var paired = MultiGameExperimentReport.Paired(rows);
        var kl = paired.Single(p => p.Comparison == "Sobolev − Regular" && p.Game == "breakout" && p.Student.StartsWith("multi", StringComparison.Ordinal) && p.Metric == "kl");
        Assert.Equal(2, kl.Test.N);
        Assert.Equal(((0.20 - 0.30) + (0.10 - 0.50)) / 2, kl.Test.MeanDifference, 12);
        Assert.Equal(1, paired.Single(p => p.Comparison == "Sobolev − Regular" && p.Game == "freeway" && p.Metric == "kl").Test.N);
        var single = paired.Single(p => p.Comparison == "multi − single, regular" && p.Game == "breakout" && p.Metric == "kl");
        Assert.Equal(((0.30 - 0.40) + (0.50 - 0.40)) / 2, single.Test.MeanDifference, 12);
        Assert.DoesNotContain(paired, p => p.Comparison == "multi − single, sobolev"); // no single-game Sobolev students
        var few = paired.Where(p => p.Comparison == "few-shot multi − scratch, sobolev" && p.Metric == "kl").ToArray();
        Assert.Equal(0.7 - 1.0, Assert.Single(few).Test.MeanDifference, 12); // k = 25 has no scratch pair
    }

    [Theory]
    [InlineData("breakout,breakout", "asterix", "listed twice")]
    [InlineData("breakout,asterix", "asterix", "also a training game")]
    [InlineData("breakout,pong", "asterix", "unknown game 'pong'")]
    [InlineData("breakout", "pong", "unknown game 'pong'")]
    public void RefusesBadGameListsBeforeAnythingIsWritten(string games, string heldOut, string message)
    {
        string dir = Path.Combine(Path.GetTempPath(), "sobolevrl-mg-refused-" + Guid.NewGuid().ToString("N")[..8]);
        var options = Tiny() with { Games = games.Split(','), HeldOut = heldOut };
        var e = Assert.Throws<UserErrorException>(() => MultiGameExperiment.Run(options, dir, CPU, cancel: TestContext.Current.CancellationToken));
        Assert.Contains(message, e.Message);
        Assert.False(Directory.Exists(dir));
    }
}
