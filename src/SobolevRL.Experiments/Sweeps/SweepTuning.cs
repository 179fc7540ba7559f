using System.Globalization;
using System.Text;
using SobolevRL.Evaluation;
using SobolevRL.Reporting;
using SobolevRL.Runs;

namespace SobolevRL.Sweeps;

/// <summary>The run a tuned sweep keeps for one seed and one point of the untuned keys.</summary>
/// <param name="Point">Values of the swept keys that are not tuned (seed excluded).</param>
/// <param name="Seed">Seed.</param>
/// <param name="Candidates">Finished runs it was chosen from (the tuned keys' values).</param>
/// <param name="ChosenId">Id of the run of lowest validation KL.</param>
/// <param name="Chosen">That run's values of the tuned keys it uses (a Regular run has none of loss.weight and the like).</param>
/// <param name="Metrics">That run's metrics (<see cref="SweepReport.Metrics"/>), held-out figures included.</param>
/// <param name="RegularId">The Regular run it is paired with (same seed; the Regular candidate when loss.sobolev is tuned), or null.</param>
public sealed record TunedChoice(Dictionary<string, string> Point, string Seed, int Candidates, string ChosenId, Dictionary<string, string> Chosen,
    Dictionary<string, double> Metrics, string? RegularId);

/// <summary>
/// Hyperparameters chosen on validation in a sweep (the sweep file's <c>tune</c>, or <c>sweep report --tune</c>): for each
/// seed and point of the untuned swept keys, the run of lowest validation KL among the tuned keys' values is kept, so
/// methods are compared after equal tuning effort and the held-out figures play no part in the choice (the sweep's
/// counterpart of <see cref="Experiments.LambdaSearch"/>). Tuned points are paired by seed with Regular (loss.sobolev
/// off): the Regular candidate of the same group when loss.sobolev is tuned, else the Regular point that agrees on
/// every key Regular uses.
/// </summary>
public static class SweepTuning
{
    /// <summary>The validation metric runs are chosen by.</summary>
    public const string Criterion = "validation_kl";

    /// <summary>Checks that <paramref name="tune"/> names swept keys (not <c>seed</c>); a user error naming <paramref name="option"/> otherwise.</summary>
    public static void CheckKeys(IReadOnlyList<string> tune, IReadOnlyList<string> sweptKeys, string option)
    {
        foreach (string key in tune)
            if (key == "seed" || !sweptKeys.Contains(key))
                throw new UserErrorException($"{option} '{key}' is not a swept key of this sweep; name keys of its grid or random search ({string.Join(", ", sweptKeys.Where(k => k != "seed"))})");
    }

    /// <summary>
    /// The chosen run of every (untuned point, seed) of <paramref name="rows"/> (finished runs in plan order; ties go to
    /// the earlier run). A run without a validation KL makes the choice blind: a user error naming it.
    /// </summary>
    public static IReadOnlyList<TunedChoice> Choose(IReadOnlyList<(SweepRun Run, Dictionary<string, double> Values, bool Regular)> rows,
        IReadOnlyList<string> keys, IReadOnlyList<string> tune)
    {
        if (rows.Where(r => !double.IsFinite(r.Values[Criterion])).Select(r => r.Run).FirstOrDefault() is { } blind)
            throw new UserErrorException($"tune chooses runs by validation KL, but run {blind.Id} has none (no validation split or validation point); run the sweep with validation.fraction above 0 and validation.every within optim.steps, or report without tune");
        var others = keys.Where(k => !tune.Contains(k)).ToArray();
        Func<SweepRun, string> pointKey = r => string.Join('\u0001', others.Select(k => Value(r, k)));
        var groups = rows.GroupBy(r => (Point: pointKey(r.Run), Seed: Value(r.Run, "seed"))).ToArray();
        var chosen = groups.Select(g => (Group: g, Best: g.MinBy(r => r.Values[Criterion]))).ToArray(); // MinBy keeps the first of equals

        // Keys Regular does not use collapse to one Regular run (SweepPlanner), which keeps the first value: a key with one
        // value over the Regular runs and several over the others is such a key, and pairing ignores it.
        var regular = rows.Where(r => r.Regular).ToArray();
        var ignoredByRegular = keys.Where(k => k != "seed" && regular.Select(r => Value(r.Run, k)).Distinct().Count() == 1
            && rows.Where(r => !r.Regular).Select(r => Value(r.Run, k)).Distinct().Count() > 1).ToHashSet();
        var pairingKeys = others.Where(k => k != SweepReport.SobolevKey && !ignoredByRegular.Contains(k)).ToArray();
        Func<IGrouping<(string Point, string Seed), (SweepRun Run, Dictionary<string, double> Values, bool Regular)>, (SweepRun Run, Dictionary<string, double> Values, bool Regular), string?> regularPartner = (g, chosenRow) =>
        {
            // With loss.sobolev tuned a kept Regular run is paired with itself (difference 0): leaving it out would count
            // only the seeds Sobolev won on validation.
            if (tune.Contains(SweepReport.SobolevKey)) return g.FirstOrDefault(r => r.Regular).Run?.Id;
            if (chosenRow.Regular) return null; // a Regular point is the reference, not a comparison
            var partners = chosen.Where(c => c.Best.Regular && c.Group.Key.Seed == g.Key.Seed && pairingKeys.All(k => Value(c.Best.Run, k) == Value(chosenRow.Run, k))).ToArray();
            return partners.Length == 1 ? partners[0].Best.Run.Id : null;
        };
        return chosen.Select(c => new TunedChoice(others.ToDictionary(k => k, k => Value(c.Best.Run, k)), c.Group.Key.Seed, c.Group.Count(), c.Best.Run.Id,
            tune.Where(k => !(c.Best.Regular && ignoredByRegular.Contains(k))).ToDictionary(k => k, k => Value(c.Best.Run, k)), c.Best.Values, regularPartner(c.Group, c.Best))).ToArray();
    }

    /// <summary>
    /// Writes <c>tuned.csv</c> (one row per choice) into <paramref name="dir"/> and returns the report section: per untuned
    /// point the values chosen and the chosen runs' metrics (mean ± 95% t half-width over seeds), then the paired
    /// differences tuned − Regular by seed of held-out KL and return.
    /// </summary>
    public static string Section(string dir, IReadOnlyList<TunedChoice> choices, IReadOnlyList<string> keys, IReadOnlyList<string> tune,
        IReadOnlyList<(SweepRun Run, Dictionary<string, double> Values, bool Regular)> rows)
    {
        var others = keys.Where(k => !tune.Contains(k)).ToArray();
        var metrics = SweepReport.Metrics.Select(m => m.Name).ToArray();
        var csv = new StringBuilder().AppendJoin(',', others.Append("seed").Append("candidates").Append("chosen_id").Concat(tune).Concat(metrics).Append("regular_id")).Append('\n');
        foreach (var c in choices)
            csv.AppendJoin(',', others.Select(k => c.Point[k]).Append(c.Seed).Append(Int(c.Candidates)).Append(c.ChosenId).Concat(tune.Select(k => c.Chosen.GetValueOrDefault(k, "")))
                .Concat(metrics.Select(m => SweepReport.G(c.Metrics[m]))).Append(c.RegularId ?? "").Select(SweepReport.Csv)).Append('\n');
        RunDirectory.WriteAtomic(Path.Combine(dir, "tuned.csv"), csv.ToString());

        var md = new StringBuilder().Append(CultureInfo.InvariantCulture, $"## Tuned on validation: {string.Join(", ", tune)}\n\n")
            .Append(CultureInfo.InvariantCulture, $"For each seed and point of the other swept keys, the run of lowest validation KL among the values of {string.Join(", ", tune)} is kept (the held-out states play no part in the choice); cells: mean ± half-width of the 95% Student-t interval over seeds of the kept runs. Every choice: `tuned.csv`.\n\n");
        string[] shown = ["held_out_kl", "held_out_agreement", "held_out_gradient_error", "return", "pct_teacher_return", Criterion, "chosen_step", "epochs", "cpu_seconds"];
        var table = new MarkdownTable([.. others, "chosen (seeds)", "n", .. shown]);
        var points = choices.GroupBy(c => string.Join('\u0001', others.Select(k => c.Point[k]))).ToArray();
        foreach (var p in points)
        {
            string picks = string.Join("; ", p.GroupBy(c => c.Chosen.Count == 0 ? "Regular" : string.Join(", ", c.Chosen.Select(kv => $"{kv.Key}={kv.Value}"))).Select(g => $"{g.Key} ×{g.Count()}"));
            table.Row([.. others.Select(k => p.First().Point[k]), picks, Int(p.Count()), .. shown.Select(m => PlusMinus(p.Select(c => c.Metrics[m]).ToArray()))]);
        }
        md.Append(table).Append('\n');

        var byId = rows.ToDictionary(r => r.Run.Id, r => r.Values);
        var paired = new MarkdownTable([.. others, "pairs", "KL − Regular (95% CI)", "lower / pairs", "Wilcoxon p", "return − Regular (95% CI)"]);
        int pairedRows = 0;
        foreach (var p in points)
        {
            var pairs = p.Where(c => c.RegularId != null).ToArray();
            if (pairs.Length == 0) continue;
            var kl = PairedTest.Of(pairs.Select(c => c.Metrics["held_out_kl"]).ToArray(), pairs.Select(c => byId[c.RegularId!]["held_out_kl"]).ToArray());
            var withReturn = pairs.Where(c => double.IsFinite(c.Metrics["return"]) && double.IsFinite(byId[c.RegularId!]["return"])).ToArray();
            string ret = withReturn.Length == 0 ? "–" : Interval(PairedTest.Of(withReturn.Select(c => c.Metrics["return"]).ToArray(), withReturn.Select(c => byId[c.RegularId!]["return"]).ToArray()));
            paired.Row([.. others.Select(k => p.First().Point[k]), Int(pairs.Length), Interval(kl), $"{Int(kl.Below)}/{Int(kl.N)}", SweepReport.G4(kl.Wilcoxon.P), ret]);
            pairedRows++;
        }
        if (pairedRows > 0)
            md.Append("Paired by seed with Regular (loss.sobolev off, the same values of the keys Regular uses): the kept run − Regular, mean with its 95% Student-t interval; Wilcoxon's signed-rank p (exact for small n).\n\n")
              .Append(paired).Append('\n');
        return md.ToString();
    }

    private static string Interval(PairedTestResult d) =>
        d.N > 1 ? $"{SweepReport.G4(d.MeanDifference)} [{SweepReport.G4(d.TTest.CiLow)}, {SweepReport.G4(d.TTest.CiHigh)}]" : SweepReport.G4(d.MeanDifference);

    private static string Value(SweepRun run, string key) => run.Assignments.GetValueOrDefault(key, "");

    private static string PlusMinus(double[] values)
    {
        values = values.Where(double.IsFinite).ToArray();
        if (values.Length == 0) return "–";
        var s = ReturnStatistics.Of(values);
        return SweepReport.PlusMinus(s.Mean, s.CiLow, s.CiHigh);
    }

    private static string Int(int v) => v.ToString(CultureInfo.InvariantCulture);
}
