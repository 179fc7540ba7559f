using SobolevRL.Distillation;
using SobolevRL.Experiments;
using SobolevRL.Runs;
using SobolevRL.Tests.Distillation;
using SobolevRL.Tests.Replay;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Experiments;

/// <summary>The λ search (<c>distill --lambda-search</c>) on single- and multi-game runs.</summary>
[Collection(TorchGlobalState.Name)]
public class LambdaSearchTests
{
    [Fact]
    public void TheRegularStudentIsAlwaysTheFirstTrialAndTheChosenOneHasTheLowestValidationKl()
    {
        string dir = DistillFixtures.TempDir();
        try
        {
            DistillFixtures.SingleThread();
            var options = DistillFixtures.Options("full", steps: 30) with { Validation = new ValidationOptions { Every = 10 } };
            // A grid without 0 (as the demo's and data-efficiency's lambda_grid keys may be given) still gets its Regular trial.
            var result = LambdaSearch.Run(options, [0.3, 0.03], DistillFixtures.Full, dir, CPU, null, new EpisodePlan(DistillFixtures.EnvId, 0, 0),
                cancel: TestContext.Current.CancellationToken);
            Assert.Equal([0, 0.03, 0.3], result.Trials.Select(t => t.Lambda));
            Assert.Equal("off", result.Trials[0].Student.Distill.Sobolev);
            Assert.NotEqual("off", result.Trials[1].Student.Distill.Sobolev);
            Assert.Equal(result.Trials.MinBy(t => t.Student.Distill.ValidationKl)!.Lambda, result.Chosen.Lambda);
            Assert.True(File.Exists(Path.Combine(dir, "lambda-search.json")));
        }
        finally { DistillFixtures.Delete(dir); }
    }

    private const string TwoGames = "breakout=smoke:MinAtar/Breakout-v1,200,full,asterix=smoke:MinAtar/Asterix-v1,200,full";

    private static string[] Settings(params string[] extra) =>
    [
        "student=minatar:4,16", "loss.sobolev=full", "optim.steps=30", "optim.batch_size=12", "logging.checkpoint_every=10",
        "logging.metrics_every=10", "logging.held_out_states=32", "validation.every=10", "validation.fraction=0.3", "seed=3", .. extra,
    ];

    private static DistillJobOptions Job(string outDir, DistillStart start = DistillStart.New, params string[] extra) => new()
    {
        Data = TwoGames,
        OutDir = outDir,
        Start = start,
        Device = CPU,
        Overrides = Settings(extra),
    };

    // Multi-game runs (distill --data GAME=…,GAME=… --lambda-search): the same search and rules.
    [Fact]
    [Trait("speed", "slow")] // trains tiny multi-game students: seconds
    public void AMultiGameSearchTrainsTheRegularStudentFirstChoosesTheLowestValidationKlAndAKilledSearchKeepsItsFinishedTrials()
    {
        string dir = Path.Combine(DistillFixtures.TempDir(), "search");
        try
        {
            DistillFixtures.SingleThread();
            // Killed while the second trial trains (after the Regular trial has finished).
            string regular = Path.Combine(LambdaSearch.TrialDirectory(dir, 0), StudentRuns.ResultFile);
            using (var cancel = new CancellationTokenSource())
            {
                var stopInTheSecondTrial = new ActionProgress(_ => { if (File.Exists(regular)) cancel.Cancel(); });
                Assert.ThrowsAny<OperationCanceledException>(() => { LambdaSearch.RunMultiGame(Job(dir), [0.3, 0.03], stopInTheSecondTrial, cancel.Token); });
            }
            var finishedAt = File.GetLastWriteTimeUtc(regular);
            Assert.False(File.Exists(Path.Combine(LambdaSearch.TrialDirectory(dir, 0.03), StudentRuns.ResultFile)));

            var (run, result) = LambdaSearch.RunMultiGame(Job(dir, DistillStart.Resume), [0.3, 0.03], null, TestContext.Current.CancellationToken);
            Assert.Equal(finishedAt, File.GetLastWriteTimeUtc(regular)); // the finished trial was kept, not trained again
            Assert.Equal([0, 0.03, 0.3], result.Trials.Select(t => t.Lambda));
            Assert.Equal(("off", 0.0), (result.Trials[0].Student.Sobolev, result.Trials[0].Student.Lambda));
            Assert.All(result.Trials.Skip(1), t => Assert.Equal(t.Lambda, t.Student.Lambda));
            Assert.All(result.Trials.Skip(1), t => Assert.NotEqual("off", t.Student.Sobolev));
            Assert.All(result.Trials, t => Assert.Equal(["breakout", "asterix"], t.Student.Games.Select(g => g.Game)));
            Assert.All(result.Trials, t => Assert.True(double.IsFinite(t.Student.ValidationKl)));
            Assert.Equal(result.Trials.MinBy(t => t.Student.ValidationKl)!.Lambda, result.Chosen.Lambda);

            // Each trial's validation KL is its run's: the best row of its validation.csv.
            foreach (var t in result.Trials)
            {
                var kls = File.ReadLines(Path.Combine(LambdaSearch.TrialDirectory(run.Path, t.Lambda), ValidationTracker.FileName)).Skip(1)
                    .Select(l => double.Parse(l.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
                Assert.Equal(kls.Min(), t.Student.ValidationKl, 12);
            }
            var saved = JsonSerializer.Deserialize<LambdaSearchResult<MultiGameSummary>>(File.ReadAllText(Path.Combine(dir, "lambda-search.json")), Json.Options)!;
            Assert.Equal(result.Chosen.Lambda, saved.Chosen.Lambda);
        }
        finally { DistillFixtures.Delete(Path.GetDirectoryName(dir)!); }
    }

    [Theory]
    [Trait("speed", "slow")]
    [InlineData("validation.fraction=0", "validation.fraction")]
    [InlineData("validation.every=50", "validation.every (50)")]
    [InlineData("loss.sobolev=off", "needs a Sobolev term")]
    public void RefusesAMultiGameSearchThatCannotChooseBeforeAnythingIsWritten(string setting, string message)
    {
        string dir = Path.Combine(Path.GetTempPath(), "sobolevrl-mg-search-" + Guid.NewGuid().ToString("N")[..8]);
        var e = Assert.Throws<UserErrorException>(() => LambdaSearch.RunMultiGame(Job(dir, DistillStart.New, setting), [0.1], null, TestContext.Current.CancellationToken));
        Assert.Contains(message, e.Message);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    [Trait("speed", "slow")]
    public void TheCliSearchesAMultiGameDistillation()
    {
        string dir = Path.Combine(DistillFixtures.TempDir(), "cli");
        try
        {
            var (code, stdout, stderr) = CliProcess.Run(["distill", "--data", TwoGames, "--lambda-search", "0.1", "--out", dir, "--threads", "1", "--json",
                .. Settings().SelectMany(s => new[] { "--set", s })]);
            Assert.True(code == 0, stderr);
            using var json = JsonDocument.Parse(stdout);
            var trials = json.RootElement.GetProperty("result").GetProperty("trials").EnumerateArray().ToArray();
            Assert.Equal([0, 0.1], trials.Select(t => t.GetProperty("lambda").GetDouble()));
            Assert.All(trials, t => Assert.Equal(2, t.GetProperty("student").GetProperty("games").GetArrayLength()));
            Assert.True(File.Exists(Path.Combine(dir, "lambda-0.1", DistillTrainer.OnnxFile)));
        }
        finally { DistillFixtures.Delete(Path.GetDirectoryName(dir)!); }
    }
}
