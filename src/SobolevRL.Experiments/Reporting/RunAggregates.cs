using System.Globalization;
using System.Text;
using SobolevRL.Evaluation.Aggregates;

namespace SobolevRL.Reporting;

/// <summary>One finished run as the aggregates see it: its method, its game and its evaluation return.</summary>
/// <param name="Method">What the run is a seed of (e.g. the student and its Sobolev setting); runs of one method are pooled.</param>
/// <param name="Env">Environment id (the game).</param>
/// <param name="Return">Mean evaluation return of the run.</param>
/// <param name="Reference">What its game's scores are normalised by; null: no reference, the run is left out.</param>
public sealed record ScoredRun(string Method, string Env, double Return, GameReference? Reference);

/// <summary>The aggregates of one method over its games and seeds.</summary>
/// <param name="Method">Method name.</param>
/// <param name="Games">Game ids, in the order of the score table.</param>
/// <param name="Scores">Normalised scores <c>[game][run]</c>.</param>
/// <param name="Aggregate">IQM, median, mean and optimality gap with stratified-bootstrap intervals.</param>
public sealed record MethodAggregate(string Method, string[] Games, double[][] Scores, AggregateSummary Aggregate);

/// <summary>Probability that a run of <paramref name="X"/> scores above a run of <paramref name="Y"/> on the same games.</summary>
/// <param name="X">First method.</param>
/// <param name="Y">Second method.</param>
/// <param name="Probability">P(X &gt; Y) with its stratified-bootstrap interval.</param>
public sealed record MethodComparison(string X, string Y, Estimate Probability);

/// <summary>
/// The Atari-style aggregates (Agarwal et al. 2021) of finished runs that span games × seeds, for <c>report</c> and
/// <c>sweep report</c>: per method, normalised scores per game and seed, IQM, median, mean and optimality gap with
/// stratified-bootstrap 95% intervals, a performance-profile plot, and the probability of improvement between every
/// two methods that cover the same games. Normalisation: <see cref="AtariReferenceScores.ForEnv"/> for Atari games;
/// for other games the caller's reference (or none).
/// </summary>
public static class RunAggregates
{
    /// <summary>File name of the performance-profile plot.</summary>
    public const string ProfileFile = "performance_profile.png";

    /// <summary>
    /// The aggregates of the methods of <paramref name="runs"/> that have at least two scored runs (runs without a
    /// reference or with a non-finite return are left out), and the comparisons between methods over the same games.
    /// </summary>
    public static (IReadOnlyList<MethodAggregate> Methods, IReadOnlyList<MethodComparison> Comparisons) Of(IReadOnlyList<ScoredRun> runs, StratifiedBootstrap bootstrap)
    {
        var methods = new List<MethodAggregate>();
        foreach (var m in runs.Where(r => r.Reference is not null && double.IsFinite(r.Return)).GroupBy(r => r.Method, StringComparer.Ordinal))
        {
            if (m.Count() < 2) continue;
            var games = m.GroupBy(r => r.Env, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToArray();
            var table = games.Select(g => g.Select(r => r.Reference!.Normalize(r.Return)).ToArray()).ToArray();
            methods.Add(new MethodAggregate(m.Key, games.Select(g => g.Key).ToArray(), table, AggregateSummary.Of(table, bootstrap)));
        }
        var comparisons = new List<MethodComparison>();
        for (int i = 0; i < methods.Count; i++)
            for (int j = i + 1; j < methods.Count; j++)
                if (methods[i].Games.SequenceEqual(methods[j].Games))
                    comparisons.Add(new MethodComparison(methods[i].Method, methods[j].Method,
                        ProbabilityOfImprovement.WithInterval(methods[i].Scores, methods[j].Scores, bootstrap)));
        return (methods, comparisons);
    }

    /// <summary>
    /// Appends the section "Aggregates over games and seeds" to <paramref name="md"/> and draws its performance profile
    /// into <paramref name="outDir"/>; appends nothing when no method has two scored runs. Returns the aggregates.
    /// </summary>
    public static (IReadOnlyList<MethodAggregate> Methods, IReadOnlyList<MethodComparison> Comparisons) AppendSection(StringBuilder md, string outDir,
        IReadOnlyList<ScoredRun> runs, StratifiedBootstrap bootstrap)
    {
        var (methods, comparisons) = Of(runs, bootstrap);
        if (methods.Count == 0) return (methods, comparisons);
        md.Append("## Aggregates over games and seeds\n\n")
          .Append("Each run's score is its last evaluation return normalised per game (Atari: (return − random) / (human − random) ")
          .Append("with the published scores, see `src/SobolevRL.Training/Evaluation/README.md`); a method's runs over its games ")
          .Append(CultureInfo.InvariantCulture, $"give IQM, median, mean and optimality gap (γ = 1) with stratified-bootstrap 95% intervals ({bootstrap.Reps} reps, seed {bootstrap.Seed}; Agarwal et al. 2021).\n\n");
        var refs = runs.Where(r => r.Reference is not null).GroupBy(r => r.Env, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToArray();
        var games = new MarkdownTable("game", "normalised by", "low (score 0)", "high (score 1)");
        foreach (var g in refs) games.Row(g.Key, g.First().Reference!.Kind, F(g.First().Reference!.Low), F(g.First().Reference!.High));
        md.Append(games).Append('\n');
        var left = runs.Where(r => r.Reference is null).Select(r => r.Env).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (left.Length > 0) md.Append("Left out (no reference to normalise by): ").AppendJoin(", ", left.Select(e => $"`{e}`")).Append(".\n\n");
        var table = new MarkdownTable("method", "games", "runs", "IQM", "median", "mean", "optimality gap");
        foreach (var m in methods)
        {
            var a = m.Aggregate;
            table.Row(m.Method, a.Games.ToString(CultureInfo.InvariantCulture), a.Runs.ToString(CultureInfo.InvariantCulture),
                Ci(a.InterquartileMean), Ci(a.Median), Ci(a.Mean), Ci(a.OptimalityGap));
        }
        md.Append(table).Append('\n');
        if (comparisons.Count > 0)
        {
            var poi = new MarkdownTable("X", "Y", "P(X > Y)");
            foreach (var c in comparisons) poi.Row(c.X, c.Y, Ci(c.Probability));
            md.Append("Probability of improvement (a run of X scores above a run of Y on the same game, averaged over games):\n\n").Append(poi).Append('\n');
        }
        double top = Math.Max(1.0, methods.SelectMany(m => m.Scores.SelectMany(s => s)).Max());
        var taus = PerformanceProfile.Linspace(0, top, 101);
        PerformanceProfilePlot.Save(Path.Combine(outDir, ProfileFile), "performance profile (normalised scores)", "normalised score",
            methods.Select(m => (m.Method, PerformanceProfile.Of(m.Scores, taus, bootstrap))));
        md.Append(CultureInfo.InvariantCulture, $"![performance profile]({ProfileFile})\n\n");
        return (methods, comparisons);
    }

    private static string Ci(Estimate e) => $"{F(e.Point)} [{F(e.Low)}, {F(e.High)}]";

    private static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}
