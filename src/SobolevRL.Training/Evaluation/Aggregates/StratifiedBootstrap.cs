namespace SobolevRL.Evaluation.Aggregates;

/// <summary>
/// Stratified bootstrap over a score table <c>scores[game][run]</c>: each replicate redraws, within every game
/// independently, as many runs as the game has, with replacement; games are never mixed (Agarwal et al. 2021, §A.1).
/// Intervals are percentile intervals of the replicated statistic. The draws come from a seeded generator, so the same
/// seed, reps and table give the same interval.
/// </summary>
/// <param name="Reps">Bootstrap replicates (Agarwal et al. use 50,000 for their figures; ≥ 1,000 for 95% intervals).</param>
/// <param name="Seed">Seed of the resampling generator.</param>
/// <param name="Confidence">Coverage of the interval, in (0, 1).</param>
public sealed record StratifiedBootstrap(int Reps = StratifiedBootstrap.DefaultReps, int Seed = 0, double Confidence = 0.95)
{
    /// <summary>Default number of replicates.</summary>
    public const int DefaultReps = 10_000;

    /// <summary>
    /// Point estimates and intervals of several statistics at once (every statistic sees the same replicates). A
    /// statistic returns one or more values (e.g. a whole performance profile); the result is indexed [statistic][value].
    /// </summary>
    public Estimate[][] Intervals(IReadOnlyList<double[]> scores, IReadOnlyList<Func<IReadOnlyList<double[]>, double[]>> statistics)
    {
        ScoreMetrics.Validate(scores);
        return IntervalsOf(random => Resample(scores, random), () => scores, statistics);
    }

    /// <summary>Point estimate and interval of one scalar statistic.</summary>
    public Estimate Interval(IReadOnlyList<double[]> scores, Func<IReadOnlyList<double[]>, double> statistic) =>
        Intervals(scores, [s => [statistic(s)]])[0][0];

    /// <summary>
    /// Point estimate and interval of a statistic of two score tables over the same games (e.g. probability of
    /// improvement); each table is resampled within each game independently of the other.
    /// </summary>
    public Estimate PairInterval(IReadOnlyList<double[]> x, IReadOnlyList<double[]> y, Func<IReadOnlyList<double[]>, IReadOnlyList<double[]>, double> statistic)
    {
        ScoreMetrics.Validate(x);
        ScoreMetrics.Validate(y);
        if (x.Count != y.Count) throw new ArgumentException($"the two score tables cover {x.Count} and {y.Count} games; they must cover the same games");
        var both = x.Concat(y).ToArray();
        Func<IReadOnlyList<double[]>, double[]> split = s => [statistic(s.Take(x.Count).ToArray(), s.Skip(x.Count).ToArray())];
        return IntervalsOf(random => Resample(both, random), () => both, [split])[0][0];
    }

    private Estimate[][] IntervalsOf(Func<Random, double[][]> resample, Func<IReadOnlyList<double[]>> observed,
        IReadOnlyList<Func<IReadOnlyList<double[]>, double[]>> statistics)
    {
        if (Reps < 1) throw new ArgumentOutOfRangeException(nameof(Reps), "bootstrap needs at least one replicate");
        if (Confidence is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(Confidence), "confidence must be in (0, 1)");
        var points = statistics.Select(f => f(observed())).ToArray();
        var replicates = points.Select(p => p.Select(_ => new double[Reps]).ToArray()).ToArray();
        var random = new Random(Seed);
        for (int r = 0; r < Reps; r++)
        {
            var sample = resample(random);
            for (int s = 0; s < statistics.Count; s++)
            {
                var values = statistics[s](sample);
                for (int v = 0; v < values.Length; v++) replicates[s][v][r] = values[v];
            }
        }
        double tail = (1 - Confidence) / 2 * 100;
        return points.Select((p, s) => p.Select((point, v) =>
        {
            Array.Sort(replicates[s][v]);
            return new Estimate(point, ScoreMetrics.PercentileOfSorted(replicates[s][v], tail), ScoreMetrics.PercentileOfSorted(replicates[s][v], 100 - tail));
        }).ToArray()).ToArray();
    }

    private static double[][] Resample(IReadOnlyList<double[]> scores, Random random)
    {
        var sample = new double[scores.Count][];
        for (int g = 0; g < scores.Count; g++)
        {
            var runs = scores[g];
            var drawn = new double[runs.Length];
            for (int i = 0; i < drawn.Length; i++) drawn[i] = runs[random.Next(runs.Length)];
            sample[g] = drawn;
        }
        return sample;
    }
}
