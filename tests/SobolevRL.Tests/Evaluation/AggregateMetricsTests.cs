using SobolevRL.Evaluation.Aggregates;
using SobolevRL.Reporting;
using SobolevRL.Tests.IO;
using SobolevRL.Tests.Replay;

namespace SobolevRL.Tests.Evaluation;

public class AggregateMetricsTests
{
    [Fact]
    public void HandComputedAggregatesOfASmallTable()
    {
        double[][] scores = [[0, 1, 2, 3], [4, 5, 6, 7]];
        // 8 pooled runs, ⌊8/4⌋ = 2 dropped at each end: mean of 2, 3, 4, 5.
        Assert.Equal(3.5, ScoreMetrics.InterquartileMean(scores), 12);
        Assert.Equal(3.5, ScoreMetrics.Median(scores), 12);
        Assert.Equal(3.5, ScoreMetrics.Mean(scores), 12);
        // Capped at 1: game 0 → (0 + 1 + 1 + 1) / 4, game 1 → 1; gap = 1 − 0.875.
        Assert.Equal(0.125, ScoreMetrics.OptimalityGap(scores), 12);

        double[][] skewed = [[0.0], [0.2], [0.4], [10.0]];
        // Median of per-game means between the middle two; mean pulled up by the outlier; IQM of 4 drops one at each end.
        Assert.Equal(0.3, ScoreMetrics.Median(skewed), 12);
        Assert.Equal(2.65, ScoreMetrics.Mean(skewed), 12);
        Assert.Equal(0.3, ScoreMetrics.InterquartileMean(skewed), 12);
        Assert.Equal(1 - (0.0 + 0.2 + 0.4 + 1.0) / 4, ScoreMetrics.OptimalityGap(skewed), 12);
        // 9 values: ⌊9/4⌋ = 2 dropped at each end.
        Assert.Equal((3 + 4 + 5 + 6 + 7) / 5.0, ScoreMetrics.TrimmedMean([9, 1, 8, 2, 7, 3, 6, 4, 5], 0.25), 12);
    }

    [Fact]
    public void ProbabilityOfImprovementCountsTiesAsHalf()
    {
        // Pairs (1,1) tie, (1,0), (2,1), (2,0) wins: 3.5 / 4.
        Assert.Equal(0.875, ProbabilityOfImprovement.Of([[1, 2]], [[1, 0]]), 12);
        // Averaged over games: game 0 → 1, game 1 → 0.
        Assert.Equal(0.5, ProbabilityOfImprovement.Of([[5], [0]], [[1, 2], [3]]), 12);
        Assert.Equal(0.5, ProbabilityOfImprovement.Of([[1, 2, 3]], [[1, 2, 3]]), 12);
    }

    [Fact]
    public void PerformanceProfileCountsRunsStrictlyAboveTauPerGame()
    {
        double[][] scores = [[0, 1, 2, 3], [1]];
        // τ = 1: game 0 has 2 of 4 above, game 1 has none → (0.5 + 0) / 2.
        Assert.Equal([1.0, 0.25, 0.125, 0.0], PerformanceProfile.FractionsAbove(scores, [-1, 1, 2, 3]));
    }

    [Fact]
    public void BootstrapNeverMixesGames()
    {
        // One run per game: every stratified replicate is the observed table, so every interval has zero width.
        double[][] scores = [[0.1], [0.7], [2.0], [-0.3]];
        var summary = AggregateSummary.Of(scores, new StratifiedBootstrap(Reps: 200, Seed: 3));
        foreach (var e in new[] { summary.InterquartileMean, summary.Median, summary.Mean, summary.OptimalityGap })
        {
            Assert.Equal(e.Point, e.Low, 12);
            Assert.Equal(e.Point, e.High, 12);
        }
    }

    [Fact]
    public void BootstrapIsReproducibleFromItsSeed()
    {
        var scores = Table(seed: 1);
        var a = AggregateSummary.Of(scores, new StratifiedBootstrap(Reps: 500, Seed: 7));
        var b = AggregateSummary.Of(scores, new StratifiedBootstrap(Reps: 500, Seed: 7));
        var c = AggregateSummary.Of(scores, new StratifiedBootstrap(Reps: 500, Seed: 8));
        Assert.Equal(a, b);
        Assert.NotEqual(a.InterquartileMean.Low, c.InterquartileMean.Low);
        Assert.True(a.InterquartileMean.Low < a.InterquartileMean.Point && a.InterquartileMean.Point < a.InterquartileMean.High);
    }

    [Fact]
    public void BadTablesAreRefused()
    {
        Assert.Throws<ArgumentException>(() => ScoreMetrics.Mean([]));
        Assert.Throws<ArgumentException>(() => ScoreMetrics.Mean([[1.0], []]));
        Assert.Throws<ArgumentException>(() => ScoreMetrics.Mean([[double.NaN]]));
        Assert.Throws<ArgumentException>(() => ProbabilityOfImprovement.Of([[1.0]], [[1.0], [2.0]]));
    }

    [Fact]
    public void PointEstimatesAndStratifiedIntervalsMatchNumpy()
    {
        if (Python.MissingReason() is { } reason) Assert.Skip(reason);
        var x = Table(seed: 1);
        var y = Table(seed: 2);
        double[] taus = [0.0, 0.5, 1.0, 1.5];
        const int reps = 4_000;
        var bootstrap = new StratifiedBootstrap(Reps: reps, Seed: 11);
        var summary = AggregateSummary.Of(x, bootstrap);
        var profile = PerformanceProfile.Of(x, taus, bootstrap);
        var improvement = ProbabilityOfImprovement.WithInterval(x, y, bootstrap);

        // An independent implementation of the definitions (Agarwal et al. 2021) with numpy's own generator.
        string script = $$"""
            import json, numpy as np
            x = [np.array(g) for g in json.loads('{{JsonSerializer.Serialize(x)}}')]
            y = [np.array(g) for g in json.loads('{{JsonSerializer.Serialize(y)}}')]
            taus = np.array({{JsonSerializer.Serialize(taus)}})
            def iqm(t):
                a = np.sort(np.concatenate(t)); k = int(0.25 * len(a)); return a[k:len(a) - k].mean()
            def median(t): return np.median([g.mean() for g in t])
            def mean(t): return np.mean([g.mean() for g in t])
            def gap(t): return 1 - np.mean([np.minimum(g, 1).mean() for g in t])
            def profile(t): return np.array([np.mean([(g > tau).mean() for g in t]) for tau in taus])
            def poi(a, b): return np.mean([((ga[:, None] > gb[None, :]) + 0.5 * (ga[:, None] == gb[None, :])).mean() for ga, gb in zip(a, b)])
            rng = np.random.default_rng(0)
            def draw(t): return [g[rng.integers(0, len(g), len(g))] for g in t]
            stats = {"iqm": iqm, "median": median, "mean": mean, "gap": gap}
            reps = {k: [] for k in stats}; prof = []; pois = []
            for _ in range({{reps}}):
                s = draw(x)
                for k, f in stats.items(): reps[k].append(f(s))
                prof.append(profile(s)); pois.append(poi(draw(x), draw(y)))
            ci = lambda v: [float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))]
            out = {k: [float(f(x))] + ci(reps[k]) for k, f in stats.items()}
            out["profile"] = [[float(p)] + ci(np.array(prof)[:, i]) for i, p in enumerate(profile(x))]
            out["poi"] = [float(poi(x, y))] + ci(pois)
            print(json.dumps(out))
            """;
        using var doc = JsonDocument.Parse(Python.Check(script));
        var r = doc.RootElement;
        // Points are exact; intervals agree to Monte Carlo precision of 4,000 replicates (standard error ~0.006 here).
        void Same(Estimate e, JsonElement expected, string what)
        {
            var v = expected.EnumerateArray().Select(j => j.GetDouble()).ToArray();
            Assert.True(Math.Abs(e.Point - v[0]) < 1e-9, $"{what} point {e.Point} vs numpy {v[0]}");
            Assert.True(Math.Abs(e.Low - v[1]) < 0.02, $"{what} low {e.Low} vs numpy {v[1]}");
            Assert.True(Math.Abs(e.High - v[2]) < 0.02, $"{what} high {e.High} vs numpy {v[2]}");
        }
        Same(summary.InterquartileMean, r.GetProperty("iqm"), "IQM");
        Same(summary.Median, r.GetProperty("median"), "median");
        Same(summary.Mean, r.GetProperty("mean"), "mean");
        Same(summary.OptimalityGap, r.GetProperty("gap"), "optimality gap");
        for (int i = 0; i < taus.Length; i++) Same(profile.Fractions[i], r.GetProperty("profile")[i], $"profile at τ={taus[i]}");
        Same(improvement, r.GetProperty("poi"), "P(X > Y)");
    }

    [Fact]
    public void PerformanceProfilePlotWritesAPng()
    {
        string dir = Directory.CreateDirectory(ReplayTestData.TempDirectory()).FullName;
        string png = Path.Combine(dir, "profile.png");
        var bootstrap = new StratifiedBootstrap(Reps: 200);
        var taus = PerformanceProfile.Linspace(0, 2, 21);
        PerformanceProfilePlot.Save(png, "profile", "human-normalised score",
            [("regular", PerformanceProfile.Of(Table(1), taus, bootstrap)), ("sobolev", PerformanceProfile.Of(Table(2), taus, bootstrap))]);
        var bytes = File.ReadAllBytes(png);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        Directory.Delete(dir, recursive: true);
    }

    // Five games with 3 to 7 runs each, scores around 0.2 to 1.4 with spread.
    private static double[][] Table(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, 5).Select(g => Enumerable.Range(0, 3 + g)
            .Select(_ => Math.Round(0.2 + 0.3 * g + 0.5 * (random.NextDouble() - 0.5) * (1 + g % 2), 3)).ToArray()).ToArray();
    }
}

public class AtariReferenceScoresTests
{
    [Fact]
    public void KnownReferencesFromThePublishedTable()
    {
        Assert.Equal(57, AtariReferenceScores.ByRomId.Count);
        Assert.Equal(new AtariReference(-20.7, 14.6), AtariReferenceScores.Find("pong"));
        Assert.Equal(new AtariReference(1.7, 30.5), AtariReferenceScores.Find("breakout"));
        Assert.Equal(new AtariReference(148.0, 1668.7), AtariReferenceScores.Find("space_invaders"));
        Assert.Equal(new AtariReference(0.0, 4753.3), AtariReferenceScores.Find("montezuma_revenge"));
        Assert.Null(AtariReferenceScores.Find("tetris"));
        Assert.Equal(1.0, AtariReferenceScores.Find("pong")!.Normalize(14.6), 12);
        Assert.Equal(0.0, AtariReferenceScores.Find("pong")!.Normalize(-20.7), 12);
        Assert.Equal((400 - 1.7) / (30.5 - 1.7), AtariReferenceScores.Find("breakout")!.Normalize(400), 12);
    }

    [Fact]
    public void EveryReferenceNamesAGameAleSupports()
    {
        foreach (var romId in AtariReferenceScores.ByRomId.Keys)
            Assert.Contains(romId, SobolevRL.Envs.Ale.AleGames.RomIds);
        Assert.All(AtariReferenceScores.ByRomId.Values, r => Assert.True(r.Human > r.Random));
    }
}
