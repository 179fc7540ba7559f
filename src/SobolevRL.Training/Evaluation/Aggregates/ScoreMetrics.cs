namespace SobolevRL.Evaluation.Aggregates;

/// <summary>
/// Aggregate metrics over a score table <c>scores[game][run]</c> (normalised scores, one array of runs per game), as
/// defined by Agarwal et al. 2021, "Deep Reinforcement Learning at the Edge of the Statistical Precipice" (NeurIPS):
/// the interquartile mean pools every run of every game; median, mean and optimality gap aggregate the per-game means.
/// </summary>
public static class ScoreMetrics
{
    /// <summary>Fraction cut from each end for the interquartile mean.</summary>
    public const double InterquartileCut = 0.25;

    /// <summary>
    /// Interquartile mean: the mean of the pooled run scores after dropping ⌊n/4⌋ of the lowest and ⌊n/4⌋ of the
    /// highest (the trimmed-mean convention of SciPy's <c>trim_mean(x, 0.25)</c>, which rliable uses).
    /// </summary>
    public static double InterquartileMean(IReadOnlyList<double[]> scores) => TrimmedMean(Pool(scores), InterquartileCut);

    /// <summary>Median over games of each game's mean run score.</summary>
    public static double Median(IReadOnlyList<double[]> scores) => Percentile(GameMeans(scores), 50);

    /// <summary>Mean over games of each game's mean run score.</summary>
    public static double Mean(IReadOnlyList<double[]> scores) => GameMeans(scores).Average();

    /// <summary>
    /// Optimality gap: how far the scores fall short of <paramref name="gamma"/>, each run's score capped at it:
    /// γ − mean over games of the game's mean of min(score, γ). γ = 1 is human level for human-normalised scores.
    /// </summary>
    public static double OptimalityGap(IReadOnlyList<double[]> scores, double gamma = 1.0) =>
        gamma - scores.Average(runs => runs.Average(s => Math.Min(s, gamma)));

    /// <summary>Mean of <paramref name="values"/> without ⌊n·cut⌋ of the smallest and ⌊n·cut⌋ of the largest.</summary>
    public static double TrimmedMean(IReadOnlyList<double> values, double cut)
    {
        if (values.Count == 0) throw new ArgumentException("no values", nameof(values));
        if (cut is < 0 or >= 0.5) throw new ArgumentOutOfRangeException(nameof(cut), "cut must be in [0, 0.5)");
        var sorted = values.Order().ToArray();
        int drop = (int)Math.Floor(cut * sorted.Length);
        double sum = 0;
        for (int i = drop; i < sorted.Length - drop; i++) sum += sorted[i];
        return sum / (sorted.Length - 2 * drop);
    }

    /// <summary>The <paramref name="percent"/>-th percentile of <paramref name="values"/> with linear interpolation between order statistics (numpy's default).</summary>
    public static double Percentile(IReadOnlyList<double> values, double percent)
    {
        if (values.Count == 0) throw new ArgumentException("no values", nameof(values));
        var sorted = values.Order().ToArray();
        return PercentileOfSorted(sorted, percent);
    }

    /// <summary><see cref="Percentile"/> of values already sorted ascending.</summary>
    internal static double PercentileOfSorted(double[] sorted, double percent)
    {
        double position = percent / 100.0 * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }

    /// <summary>Each game's mean run score.</summary>
    public static double[] GameMeans(IReadOnlyList<double[]> scores)
    {
        Validate(scores);
        return scores.Select(runs => runs.Average()).ToArray();
    }

    /// <summary>Every run of every game in one array.</summary>
    public static double[] Pool(IReadOnlyList<double[]> scores)
    {
        Validate(scores);
        return scores.SelectMany(runs => runs).ToArray();
    }

    /// <summary>Throws unless there is at least one game and every game has at least one finite run score.</summary>
    public static void Validate(IReadOnlyList<double[]> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (scores.Count == 0) throw new ArgumentException("no games in the score table", nameof(scores));
        for (int g = 0; g < scores.Count; g++)
        {
            if (scores[g] is null || scores[g].Length == 0) throw new ArgumentException($"game {g} has no runs", nameof(scores));
            if (scores[g].Any(s => !double.IsFinite(s))) throw new ArgumentException($"game {g} has a score that is not a finite number", nameof(scores));
        }
    }
}
