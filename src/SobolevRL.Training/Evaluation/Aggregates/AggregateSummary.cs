namespace SobolevRL.Evaluation.Aggregates;

/// <summary>
/// The four aggregates Agarwal et al. 2021 report for a method over a suite of games (interquartile mean, median,
/// mean, optimality gap with γ = 1), each with a stratified-bootstrap confidence interval.
/// </summary>
/// <param name="Games">Games in the table.</param>
/// <param name="Runs">Runs in the table (over every game).</param>
/// <param name="InterquartileMean">Interquartile mean of the pooled run scores.</param>
/// <param name="Median">Median of the per-game mean scores.</param>
/// <param name="Mean">Mean of the per-game mean scores.</param>
/// <param name="OptimalityGap">γ minus the mean of the scores capped at γ.</param>
/// <param name="Reps">Bootstrap replicates behind the intervals.</param>
/// <param name="Seed">Bootstrap seed.</param>
public sealed record AggregateSummary(int Games, int Runs, Estimate InterquartileMean, Estimate Median, Estimate Mean, Estimate OptimalityGap, int Reps, int Seed)
{
    /// <summary>Computes the four aggregates of <paramref name="scores"/> (<c>[game][run]</c>) with <paramref name="bootstrap"/> intervals.</summary>
    public static AggregateSummary Of(IReadOnlyList<double[]> scores, StratifiedBootstrap bootstrap, double gamma = 1.0)
    {
        var e = bootstrap.Intervals(scores,
        [
            s => [ScoreMetrics.InterquartileMean(s)],
            s => [ScoreMetrics.Median(s)],
            s => [ScoreMetrics.Mean(s)],
            s => [ScoreMetrics.OptimalityGap(s, gamma)],
        ]);
        return new AggregateSummary(scores.Count, scores.Sum(r => r.Length), e[0][0], e[1][0], e[2][0], e[3][0], bootstrap.Reps, bootstrap.Seed);
    }
}
