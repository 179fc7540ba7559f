using System.Globalization;
using System.Text;
using SobolevRL.Evaluation.Aggregates;
using SobolevRL.Experiments;
using SobolevRL.Reporting;
using SobolevRL.Tests.Distillation;
using SobolevRL.Teachers;

namespace SobolevRL.Tests.Reporting;

public class RunAggregatesTests
{
    private static readonly GameReference Breakout = AtariReferenceScores.ForEnv("ALE/Breakout-v5")!, Pong = AtariReferenceScores.ForEnv("ALE/Pong-v5")!;

    [Fact]
    public void MethodsPoolTheirGamesAndSeedsNormalisedByHumanScoresAndCompareOverTheSameGames()
    {
        // Breakout: random 1.7, human 30.5; Pong: random -20.7, human 14.6 (Atari-57 table).
        Assert.Equal((1.7, 30.5), (Breakout.Low, Breakout.High));
        Assert.Equal((-20.7, 14.6), (Pong.Low, Pong.High));
        ScoredRun[] runs =
        [
            new("sobolev", "ALE/Breakout-v5", 30.5, Breakout), new("sobolev", "ALE/Breakout-v5", 16.1, Breakout),
            new("sobolev", "ALE/Pong-v5", 14.6, Pong), new("sobolev", "ALE/Pong-v5", -3.05, Pong),
            new("regular", "ALE/Breakout-v5", 1.7, Breakout), new("regular", "ALE/Breakout-v5", 8.9, Breakout),
            new("regular", "ALE/Pong-v5", -20.7, Pong), new("regular", "ALE/Pong-v5", -11.875, Pong),
            new("regular", "MinAtar/Breakout-v1", 10, null), // no reference: left out
            new("lonely", "ALE/Pong-v5", 0, Pong), // one run: no aggregate
        ];
        var (methods, comparisons) = RunAggregates.Of(runs, new StratifiedBootstrap(2000, Seed: 3));
        Assert.Equal(["sobolev", "regular"], methods.Select(m => m.Method));
        var sobolev = methods[0];
        Assert.Equal(["ALE/Breakout-v5", "ALE/Pong-v5"], sobolev.Games);
        // By hand: (30.5-1.7)/28.8 = 1, (16.1-1.7)/28.8 = 0.5, (14.6+20.7)/35.3 = 1, (-3.05+20.7)/35.3 = 0.5.
        Assert.Equal(new[] { 1.0, 0.5 }, sobolev.Scores[0].Select(v => Math.Round(v, 12)));
        Assert.Equal(new[] { 1.0, 0.5 }, sobolev.Scores[1].Select(v => Math.Round(v, 12)));
        Assert.Equal(0.75, sobolev.Aggregate.InterquartileMean.Point, 12); // pooled {0.5, 0.5, 1, 1}: middle half 0.5, 1
        Assert.Equal(0.75, sobolev.Aggregate.Median.Point, 12);
        Assert.Equal(0.75, sobolev.Aggregate.Mean.Point, 12);
        Assert.Equal(0.25, sobolev.Aggregate.OptimalityGap.Point, 12);
        Assert.Equal(new[] { 0.0, 0.25 }, methods[1].Scores[0].Select(v => Math.Round(v, 12)));
        Assert.Equal(2, sobolev.Aggregate.Games);
        Assert.Equal(4, sobolev.Aggregate.Runs);
        Assert.True(sobolev.Aggregate.InterquartileMean.Low <= 0.75 && sobolev.Aggregate.InterquartileMean.High >= 0.75);
        var c = Assert.Single(comparisons);
        Assert.Equal(("sobolev", "regular"), (c.X, c.Y));
        Assert.Equal(1.0, c.Probability.Point, 12); // every Sobolev run beats every Regular run on its game
    }

    [Fact]
    public void TheSectionListsReferencesLeftOutGamesAndDrawsTheProfile()
    {
        string dir = Directory.CreateDirectory(DistillFixtures.TempDir()).FullName;
        try
        {
            var md = new StringBuilder();
            RunAggregates.AppendSection(md, dir, [new("a", "ALE/Breakout-v5", 16.1, Breakout), new("a", "ALE/Breakout-v5", 30.5, Breakout), new("a", "MinAtar/Asterix-v1", 3, null)],
                new StratifiedBootstrap(500));
            string text = md.ToString();
            Assert.Contains("## Aggregates over games and seeds", text);
            Assert.Contains("| ALE/Breakout-v5 | human | 1.7 | 30.5 |", text);
            Assert.Contains("Left out (no reference to normalise by): `MinAtar/Asterix-v1`", text);
            Assert.Contains("| a | 1 | 2 | 0.75 [", text);
            Assert.True(new FileInfo(Path.Combine(dir, RunAggregates.ProfileFile)).Length > 1000);

            var none = new StringBuilder();
            RunAggregates.AppendSection(none, dir, [new("a", "ALE/Breakout-v5", 16.1, Breakout)], new StratifiedBootstrap(500));
            Assert.Equal("", none.ToString());
        }
        finally { DistillFixtures.Delete(dir); }
    }
}

[Collection(TorchGlobalState.Name)]
public class ReportAggregatesTests
{
    public ReportAggregatesTests() => DistillFixtures.SingleThread();

    [Fact]
    public void AReportOverGamesAndSeedsHasTheAggregateSectionFromEachRunsCardAndLastReturn()
    {
        string a = DistillFixtures.TempDir(), b = DistillFixtures.TempDir(), report = DistillFixtures.TempDir();
        try
        {
            var summary = DistillFixtures.Train(DistillFixtures.Options("off", steps: 20) with { Seed = 1 }, DistillFixtures.Full, a);
            DistillFixtures.Train(DistillFixtures.Options("off", steps: 20) with { Seed = 2 }, DistillFixtures.Full, b);
            string md0 = File.ReadAllText(DistillationReport.Write([a, b], report));
            Assert.DoesNotContain("## Aggregates", md0); // the fixture's game has no published scores
            // The same runs as if they had played Breakout: the game comes from the student's card, the return from eval.csv.
            foreach (var (dir, ret) in new[] { (a, 16.1), (b, 30.5) })
            {
                string card = ModelCard.PathFor(Path.Combine(dir, SobolevRL.Distillation.DistillTrainer.OnnxFile));
                (ModelCard.Read(card) with { Env = "ALE/Breakout-v5" }).Write(card);
                File.WriteAllText(Path.Combine(dir, SobolevRL.Evaluation.SnapshotEvaluator.FileName),
                    "step,kl,agreement,grad_rel_error,return_mean,return_std,return_ci_low,return_ci_high\n" + string.Create(CultureInfo.InvariantCulture, $"20,0.1,0.5,0.2,{ret},1,0,0\n"));
            }
            string report2 = DistillFixtures.TempDir();
            string md = File.ReadAllText(DistillationReport.Write([a, b], report2));
            Assert.Contains("## Aggregates over games and seeds", md);
            Assert.Contains($"| {summary.Student}, sobolev off | 1 | 2 | 0.75 [", md);
            Assert.True(File.Exists(Path.Combine(report2, RunAggregates.ProfileFile)));
            DistillFixtures.Delete(report2);
        }
        finally
        {
            foreach (string dir in new[] { a, b, report }) DistillFixtures.Delete(dir);
        }
    }
}
