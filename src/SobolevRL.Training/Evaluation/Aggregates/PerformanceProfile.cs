namespace SobolevRL.Evaluation.Aggregates;

/// <summary>
/// A run-score performance profile (Agarwal et al. 2021, §4.1): for each threshold τ, the fraction of runs whose
/// score exceeds τ, computed per game and averaged over games (every game weighs the same whatever its run count),
/// with stratified-bootstrap bands.
/// </summary>
/// <param name="Taus">Thresholds, ascending.</param>
/// <param name="Fractions">Fraction of runs above each threshold, with its interval.</param>
public sealed record PerformanceProfile(double[] Taus, Estimate[] Fractions)
{
    /// <summary>The profile of <paramref name="scores"/> (<c>[game][run]</c>) at <paramref name="taus"/>.</summary>
    public static PerformanceProfile Of(IReadOnlyList<double[]> scores, IReadOnlyList<double> taus, StratifiedBootstrap bootstrap)
    {
        if (taus.Count == 0) throw new ArgumentException("no thresholds", nameof(taus));
        var sortedTaus = taus.Order().ToArray();
        var fractions = bootstrap.Intervals(scores, [s => FractionsAbove(s, sortedTaus)])[0];
        return new PerformanceProfile(sortedTaus, fractions);
    }

    /// <summary>For each τ, the mean over games of the fraction of the game's runs with a score strictly above τ.</summary>
    public static double[] FractionsAbove(IReadOnlyList<double[]> scores, IReadOnlyList<double> taus)
    {
        ScoreMetrics.Validate(scores);
        var result = new double[taus.Count];
        for (int t = 0; t < taus.Count; t++)
            result[t] = scores.Average(runs => runs.Count(s => s > taus[t]) / (double)runs.Length);
        return result;
    }

    /// <summary><paramref name="count"/> evenly spaced thresholds from <paramref name="low"/> to <paramref name="high"/> inclusive.</summary>
    public static double[] Linspace(double low, double high, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 2);
        return Enumerable.Range(0, count).Select(i => low + (high - low) * i / (count - 1)).ToArray();
    }
}
