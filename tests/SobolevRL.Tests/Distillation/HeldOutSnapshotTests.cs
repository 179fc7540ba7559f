using System.Globalization;
using SobolevRL.Experiments;
using SobolevRL.Runs;
using SobolevRL.Tests.Replay;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Distillation;

/// <summary>
/// A multi-game run's snapshot evaluator scoring held-out games zero-shot while the student trains (<c>games.held_out</c>):
/// rows at the snapshot steps, the last one equal to <c>eval --games --held-out</c> on the finished run, refusals before
/// anything is written, and resume.
/// </summary>
[Collection(TorchGlobalState.Name)]
[Trait("speed", "slow")]
public class HeldOutSnapshotTests
{
    private const string Breakout = "breakout=smoke:MinAtar/Breakout-v1,120,full";
    private const string AsterixData = "smoke:MinAtar/Asterix-v1,60,full";

    public HeldOutSnapshotTests() => DistillFixtures.SingleThread();

    private static DistillJobOptions Job(string outDir, DistillStart start = DistillStart.New, params string[] extra) => new()
    {
        Data = Breakout,
        OutDir = outDir,
        Start = start,
        Device = CPU,
        Overrides = ["student=minatar:4,16", "loss.sobolev=full", "optim.steps=30", "optim.batch_size=8", "games.head=shared", "validation.fraction=0",
            "logging.eval_every=10", "logging.eval_episodes=2", "logging.checkpoint_every=10", "logging.metrics_every=10", "seed=3",
            "games.held_out=asterix=MinAtar/Asterix-v1", $"games.held_out_data=asterix={AsterixData}", .. extra],
    };

    private static string[][] Rows(string dir) =>
        [.. File.ReadLines(Path.Combine(dir, MultiGameTrainer.HeldOutEvalFile("asterix"))).Skip(1).Select(l => l.Split(','))];

    private static double Number(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    [Fact]
    public void HeldOutGameIsScoredAtEverySnapshotAndTheLastRowIsWhatEvalGamesReportsForTheFinishedStudent()
    {
        string dir = DistillFixtures.TempDir();
        try
        {
            var result = MultiGameDistillJob.Run(Job(dir), null, TestContext.Current.CancellationToken);
            var rows = Rows(dir);
            Assert.Equal(["10", "20", "30"], rows.Select(r => r[0]));
            Assert.All(rows, r => Assert.True(Number(r[1]) > 0 && Number(r[4]) >= 0, string.Join(",", r)));
            Assert.Equal(3, File.ReadLines(Path.Combine(dir, MultiGameTrainer.EvalFile("breakout"))).Count() - 1);

            // The oracle: the suite (eval --games --held-out) on the finished run, an independent path (the run's saved
            // checkpoint, the exported zero-shot ONNX file played by ONNX Runtime, the dataset opened again).
            var suite = MultiGameSuite.Run(new MultiGameSuiteOptions
            {
                Run = dir,
                HeldOut = new Dictionary<string, string> { ["asterix"] = "MinAtar/Asterix-v1" },
                Data = new Dictionary<string, string> { ["asterix"] = AsterixData },
                Episodes = 2,
            });
            var oracle = suite.Single(r => r.Split == "held-out").Result;
            var last = rows[^1];
            Assert.Equal(oracle.Returns!.Mean, Number(last[4]));
            Assert.Equal(oracle.HeldOut!.Kl, Number(last[1]));
            Assert.Equal(oracle.HeldOut.Agreement, Number(last[2]));

            var summary = Assert.Single(result.Summary.HeldOutGames!);
            Assert.Equal(("asterix", "MinAtar/Asterix-v1", 30L), (summary.Game, summary.Env, summary.Step));
            Assert.Equal(Number(last[1]), summary.Metrics!.Kl);
            Assert.Equal(Number(last[4]), summary.Returns!.Mean);
            Assert.Equal(oracle.HeldOut.States, summary.Metrics.States);
        }
        finally
        {
            DistillFixtures.Delete(dir);
        }
    }

    [Fact]
    public void WithAnEarlierSnapshotChosenOnValidationTheSummaryScoresThoseWeightsAsEvalGamesDoes()
    {
        // Patience 1 with a large learning rate stops at the first validation without a new best: the run ends with an
        // earlier snapshot, which the summary's held-out figures score (the last snapshot row is of other weights).
        string dir = DistillFixtures.TempDir();
        try
        {
            var result = MultiGameDistillJob.Run(Job(dir, DistillStart.New, "optim.steps=400", "optim.learning_rate=0.05", "validation.every=5",
                "validation.patience=1", "validation.fraction=0.3", "logging.eval_every=5"), null, TestContext.Current.CancellationToken);
            Assert.True(result.Summary.ChosenStep < result.Summary.Steps, $"chose {result.Summary.ChosenStep} of {result.Summary.Steps}");
            var oracle = MultiGameSuite.Run(new MultiGameSuiteOptions
            {
                Run = dir,
                HeldOut = new Dictionary<string, string> { ["asterix"] = "MinAtar/Asterix-v1" },
                Data = new Dictionary<string, string> { ["asterix"] = AsterixData },
                Episodes = 2,
            }).Single(r => r.Split == "held-out").Result;
            var summary = Assert.Single(result.Summary.HeldOutGames!);
            Assert.Equal(result.Summary.ChosenStep, summary.Step);
            Assert.Equal((oracle.Returns!.Mean, oracle.HeldOut!.Kl), (summary.Returns!.Mean, summary.Metrics!.Kl));
            var chosenRow = Rows(dir).Single(r => r[0] == result.Summary.ChosenStep.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(Number(chosenRow[1]), summary.Metrics.Kl);
        }
        finally
        {
            DistillFixtures.Delete(dir);
        }
    }

    [Fact]
    public void AResumedRunContinuesTheHeldOutRowsAndEndsWithTheCheckpointOfAnUninterruptedOne()
    {
        string whole = DistillFixtures.TempDir(), split = DistillFixtures.TempDir();
        try
        {
            MultiGameDistillJob.Run(Job(whole), null, TestContext.Current.CancellationToken);
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            var progress = new ActionProgress(p => { if (p.Done == 20) cancel.Cancel(); });
            Assert.ThrowsAny<OperationCanceledException>(() => MultiGameDistillJob.Run(Job(split), progress, cancel.Token));
            var resumed = MultiGameDistillJob.Run(Job(split, DistillStart.Resume), null, TestContext.Current.CancellationToken);
            Assert.True(resumed.Resumed);
            Assert.Equal(File.ReadAllBytes(Path.Combine(whole, Checkpoint.FileName)), File.ReadAllBytes(Path.Combine(split, Checkpoint.FileName)));
            Assert.Equal(["10", "20", "30"], Rows(split).Select(r => r[0]));
            Assert.Equal(File.ReadAllText(Path.Combine(whole, MultiGameTrainer.HeldOutEvalFile("asterix"))),
                File.ReadAllText(Path.Combine(split, MultiGameTrainer.HeldOutEvalFile("asterix"))));
        }
        finally
        {
            DistillFixtures.Delete(whole);
            DistillFixtures.Delete(split);
        }
    }

    [Theory]
    [InlineData(new[] { "games.head=separate" }, "needs a shared head")]
    [InlineData(new[] { "games.adapter=conv1x1" }, "per-game input adapters")]
    [InlineData(new[] { "games.held_out=breakout=MinAtar/Breakout-v0", "games.held_out_data=" }, "also a training game")]
    [InlineData(new[] { "games.held_out=freeway=MinAtar/Freeway-v1", "games.held_out_data=" }, "observations have 700 values")]
    [InlineData(new[] { "games.held_out_data=seaquest=smoke:MinAtar/Seaquest-v1,40,full" }, "'seaquest' is not a game of `games.held_out`")]
    [InlineData(new[] { "games.held_out_data=asterix=smoke:MinAtar/Asterix-v0,40,full" }, "has a dataset of MinAtar/Asterix-v0")]
    [InlineData(new[] { "games.held_out=asterix", "games.held_out_data=" }, "expected GAME=VALUE")]
    public void BadHeldOutGamesAreOneClearErrorAndNothingIsWritten(string[] bad, string message)
    {
        string dir = DistillFixtures.TempDir();
        var e = Assert.Throws<UserErrorException>(() => MultiGameDistillJob.Run(Job(dir, DistillStart.New, bad), null, TestContext.Current.CancellationToken));
        Assert.Contains(message, e.Message);
        Assert.False(Directory.Exists(dir), "nothing is written");
    }

    [Fact]
    public void AnEnvironmentOutsideTheSharedHeadsActionSetIsRefused()
    {
        // Every MinAtar id acts in MinAtar's 6 actions, so a head of another size (an ALE run's 18) stands in for an
        // environment of another family (an ALE id needs its ROM here).
        var e = Assert.Throws<UserErrorException>(() =>
            ZeroShotPolicy.Check("MinAtar/Asterix-v1", "this run", HeadLayout.Shared, "MinAtar/Breakout-v1", 18, false, [4, 10, 10]));
        Assert.Contains("not a subset of the shared head's actions", e.Message);
        var map = ZeroShotPolicy.Check("MinAtar/Asterix-v1", "this run", HeadLayout.Shared, "MinAtar/Breakout-v1", 6, false, [4, 10, 10]);
        Assert.Equal([0, 1, 2, 3, 4], map.Indices);
    }
}
