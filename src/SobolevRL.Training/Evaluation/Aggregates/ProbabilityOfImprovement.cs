namespace SobolevRL.Evaluation.Aggregates;

/// <summary>
/// Probability of improvement P(X &gt; Y) of method X over method Y (Agarwal et al. 2021, §4.3): per game, the chance
/// that a random run of X scores above a random run of Y, ties counting half (the Mann-Whitney U statistic over
/// n·m pairs); averaged over games. 0.5 means neither method is ahead.
/// </summary>
public static class ProbabilityOfImprovement
{
    /// <summary>P(X &gt; Y) of <paramref name="x"/> over <paramref name="y"/> (<c>[game][run]</c>, the same games in the same order).</summary>
    public static double Of(IReadOnlyList<double[]> x, IReadOnlyList<double[]> y)
    {
        ScoreMetrics.Validate(x);
        ScoreMetrics.Validate(y);
        if (x.Count != y.Count) throw new ArgumentException($"the two score tables cover {x.Count} and {y.Count} games; they must cover the same games");
        double total = 0;
        for (int g = 0; g < x.Count; g++)
        {
            double wins = 0;
            foreach (var a in x[g])
                foreach (var b in y[g])
                    wins += a > b ? 1 : a == b ? 0.5 : 0;
            total += wins / (x[g].Length * (double)y[g].Length);
        }
        return total / x.Count;
    }

    /// <summary><see cref="Of"/> with a stratified-bootstrap interval (both tables resampled within each game).</summary>
    public static Estimate WithInterval(IReadOnlyList<double[]> x, IReadOnlyList<double[]> y, StratifiedBootstrap bootstrap) =>
        bootstrap.PairInterval(x, y, Of);
}
