using System.Globalization;
using System.Text;
using SobolevRL.Evaluation;
using SobolevRL.Reporting;
using SobolevRL.Runs;

namespace SobolevRL.Experiments;

/// <summary>
/// Tables and plots of the data-efficiency experiment: per fraction of training states, Regular vs Sobolev held-out
/// action-prediction error, KL, gradient error and return (mean ± std over seeds); <c>results.csv</c> has every student.
/// </summary>
public static class DataEfficiencyReport
{
    /// <summary>File of the per-student rows.</summary>
    public const string ResultsFile = "results.csv";

    /// <summary>File of the per-fraction table (CSV).</summary>
    public const string TableFile = "table.csv";

    /// <summary>Writes <c>report.md</c>, <c>results.csv</c>, <c>table.csv</c> and PNG plots into <paramref name="outDir"/>; returns the report path.</summary>
    public static string Write(DataEfficiencyResult result, DataEfficiencyOptions options, string outDir)
    {
        var csv = new StringBuilder("percent,train_states,seed,mode,kl,action_error,gradient_error,return_mean,run,lambda,steps,chosen_step,epochs,train_seconds,cpu_seconds,validation_kl,trial\n");
        foreach (var r in result.Rows)
            csv.Append(CultureInfo.InvariantCulture, $"{r.Percent},{r.TrainStates},{r.Seed},{r.Mode},{r.Kl:R},{r.ActionError:R},{r.GradientError:R},{r.ReturnMean:R},{Path.GetFileName(r.RunPath)},")
               .Append(CultureInfo.InvariantCulture, $"{r.Lambda:R},{r.Steps},{r.ChosenStep},{r.Epochs:R},{r.TrainSeconds:R},{r.CpuSeconds:R},{r.ValidationKl:R},{(r.Trial ? 1 : 0)}\n");
        RunDirectory.WriteAtomic(Path.Combine(outDir, ResultsFile), csv.ToString());

        var fractions = result.Rows.GroupBy(r => r.Percent).OrderBy(g => g.Key).ToArray();
        var table = new MarkdownTable("% of training states", "states", "action error % Regular", "action error % Sobolev", "KL Regular", "KL Sobolev",
            "gradient error Regular", "gradient error Sobolev", "return Regular", "return Sobolev",
            "KL Sobolev − Regular, paired (95% CI, Wilcoxon p)", "λ chosen", "steps / epochs / CPU s Regular", "steps / epochs / CPU s Sobolev");
        var tableCsv = new StringBuilder("percent,train_states,seeds,action_error_regular_mean,action_error_regular_std,action_error_sobolev_mean,action_error_sobolev_std,"
            + "kl_regular_mean,kl_regular_std,kl_sobolev_mean,kl_sobolev_std,gradient_error_regular_mean,gradient_error_regular_std,gradient_error_sobolev_mean,gradient_error_sobolev_std,return_regular_mean,return_regular_std,return_sobolev_mean,return_sobolev_std\n");
        foreach (var g in fractions)
        {
            var reg = g.Where(r => r.Mode == "regular").ToArray();
            var sob = g.Where(r => r.Mode == "sobolev").ToArray();
            var (erM, erS) = Stats(reg, r => 100 * r.ActionError);
            var (esM, esS) = Stats(sob, r => 100 * r.ActionError);
            var (krM, krS) = Stats(reg, r => r.Kl);
            var (ksM, ksS) = Stats(sob, r => r.Kl);
            var (grM, grS) = Stats(reg, r => r.GradientError);
            var (gsM, gsS) = Stats(sob, r => r.GradientError);
            var (rrM, rrS) = Stats(reg, r => r.ReturnMean);
            var (rsM, rsS) = Stats(sob, r => r.ReturnMean);
            long states = g.First().TrainStates;
            table.Row(F(g.Key), states.ToString(CultureInfo.InvariantCulture), Pm(erM, erS), Pm(esM, esS), Pm(krM, krS), Pm(ksM, ksS), Pm(grM, grS), Pm(gsM, gsS), Pm(rrM, rrS), Pm(rsM, rsS),
                PairedKl(reg, sob), string.Join(" ", sob.Select(r => F(r.Lambda))), Compute(reg), Compute(sob));
            tableCsv.Append(CultureInfo.InvariantCulture,
                $"{g.Key},{states},{reg.Length},{erM:R},{erS:R},{esM:R},{esS:R},{krM:R},{krS:R},{ksM:R},{ksS:R},{grM:R},{grS:R},{gsM:R},{gsS:R},{rrM:R},{rrS:R},{rsM:R},{rsS:R}\n");
        }
        RunDirectory.WriteAtomic(Path.Combine(outDir, TableFile), tableCsv.ToString());

        var md = new StringBuilder("# Data efficiency of Sobolev distillation\n\n");
        int seeds = fractions.Length == 0 ? 0 : fractions[0].Count(r => r.Mode == "regular");
        md.Append(CultureInfo.InvariantCulture, $"Teacher `{result.Teacher}` on {result.Env}. One dataset of {result.TrainStates} training states (labels {options.Data.Labels}, teacher acting: {options.Data.Acting.ToString().ToLowerInvariant()}); ")
          .Append(CultureInfo.InvariantCulture, $"students `{options.Distill.Student}` trained on the given percentage of it (whole episodes) for {options.Distill.Optim.Steps} steps of batch {options.Distill.Optim.BatchSize}, ")
          .Append(options.FormGrid.Length > 0 || options.NoiseGrid.Length > 0
              ? string.Create(CultureInfo.InvariantCulture, $"Regular (KL only) vs the Sobolev forms ({options.Sobolev}; FORM:λ… {string.Join(", ", options.FormGrid)}; rows by {options.Distill.Loss.DerivativeLoss.ToString().ToLowerInvariant()}) and the input-noise control (σ {string.Join(", ", options.NoiseGrid)}), compared below. ")
              : string.Create(CultureInfo.InvariantCulture, $"Regular (KL only) vs Sobolev ({options.Sobolev}, λ = {options.Distill.Loss.Weight:G4}, {options.Distill.Loss.DerivativeLoss.ToString().ToLowerInvariant()}). "))
          .Append(BudgetSentence(options))
          .Append(CultureInfo.InvariantCulture, $"Scored on {result.HeldOutStates} states of held-out episodes; mean ± std over {seeds} seeds. ")
          .Append(CultureInfo.InvariantCulture, $"Returns: {result.Protocol}")
          .Append(result.TeacherReturns is { } t ? string.Create(CultureInfo.InvariantCulture, $"; the teacher's: {F(t.Mean)} ± {F(t.Std)}.\n\n") : ".\n\n")
          .Append(table).Append('\n');
        foreach (var (file, title, y, logY, value) in new (string, string, string, bool, Func<DataEfficiencyRow, double>)[]
        {
            ("action_error.png", "held-out action-prediction error", "error %", false, r => 100 * r.ActionError),
            ("kl.png", "held-out KL(teacher || student)", "KL", true, r => r.Kl),
            ("grad_error.png", "held-out gradient-label relative error", "relative error", false, r => r.GradientError),
            ("return.png", "greedy episode return", "mean return", false, r => r.ReturnMean),
        })
        {
            var series = new List<PlotSeries>();
            foreach (string mode in new[] { "regular", "sobolev" })
            {
                var points = fractions.Select(g => (Percent: g.Key, Values: g.Where(r => r.Mode == mode).Select(value).Where(v => double.IsFinite(v) && (!logY || v > 0)).ToArray()))
                    .Where(p => p.Values.Length > 0).Select(p => (p.Percent, Stats: ReturnStatistics.Of(p.Values))).ToArray();
                if (points.Length > 0)
                    series.Add(new PlotSeries((mode == "regular" ? "Regular" : "Sobolev") + " (mean, 95% CI)", points.Select(p => p.Percent).ToArray(), points.Select(p => p.Stats.Mean).ToArray(),
                        points.Select(p => p.Stats.CiLow).ToArray(), points.Select(p => p.Stats.CiHigh).ToArray()));
            }
            if (series.Count == 0) continue;
            LinePlot.Save(Path.Combine(outDir, file), $"{result.Env}: {title}", "% of training states (log scale)", y + (logY ? " (log scale)" : ""), series, logY, logX: true);
            md.Append(CultureInfo.InvariantCulture, $"![{title}]({file})\n\n");
        }
        if (result.Rows.Any(r => r.Mode is not ("regular" or "sobolev")))
            md.Append(FormsSection(result.Rows)).Append('\n');
        foreach (var budget in new[] { BudgetKind.EqualTime, BudgetKind.EqualCpu }.Where(b => result.Rows.Any(r => r.Mode == DataEfficiencyExperiment.BudgetMode(b))))
            md.Append(FormsSection(result.Rows.Where(r => r.Mode != "regular").ToArray(), budget)).Append('\n');
        md.Append(CultureInfo.InvariantCulture, $"Lines: means over seeds; shaded bands: 95% Student-t intervals of the means (none with one seed). Every student: `{ResultsFile}`; this table as CSV: `{TableFile}`.\n");
        string path = Path.Combine(outDir, RunDirectory.ReportFile);
        RunDirectory.WriteAtomic(path, md.ToString());
        return path;
    }

    /// <summary>
    /// The loss-form comparison (<see cref="DataEfficiencyOptions.FormGrid"/>): per fraction, every form's validation-chosen
    /// student (and the noise control) against the Regular student of the same seed: the equal-steps one, or with
    /// <paramref name="budget"/> the one given the forms' time (<see cref="DataEfficiencyExperiment.BudgetMode"/>), with
    /// paired tests of the held-out KL.
    /// </summary>
    public static string FormsSection(IReadOnlyList<DataEfficiencyRow> rows, BudgetKind budget = BudgetKind.EqualSteps)
    {
        bool equalSteps = budget == BudgetKind.EqualSteps;
        string baseline = equalSteps ? "regular" : DataEfficiencyExperiment.BudgetMode(budget);
        string against = equalSteps ? "Regular" : $"Regular trained for the Sobolev students' {TimeOf(budget)} time";
        var md = new StringBuilder($"## Loss forms against {against}, paired by seed\n\n");
        if (!equalSteps)
            md.Append($"The equal-compute control: per fraction and seed a Regular student trained up to 20× the steps until it had used the {TimeOf(budget)} time of the longest-training chosen form of that seed (or until validation stopped it). ");
        md.Append("Per fraction and seed one Regular student; per form the λ of lowest validation KL among its grid (noise: the σ of lowest validation KL) is kept. ")
          .Append($"KL difference = form − {against} held-out KL, mean over seeds with its 95% Student-t interval; p: Wilcoxon's signed-rank test, exact (with n seeds the smallest two-sided p is 2/2^n, 0.25 for 3); ")
          .Append($"'val. prefers' counts the seeds whose validation KL is below the baseline's (what a λ search with λ = 0 in its grid would pick).\n\n");
        var table = new MarkdownTable("%", "student", "λ or σ chosen", "held-out KL", $"KL − {(equalSteps ? "Regular" : baseline)} (95% CI)", "lower / seeds", "Wilcoxon p", "t-test p",
            "action error %", "gradient error", "val. prefers", "steps / kept step / CPU s");
        foreach (var g in rows.Where(r => !r.Trial).GroupBy(r => r.Percent).OrderBy(g => g.Key))
        {
            var regular = g.Where(r => r.Mode == baseline).ToDictionary(r => r.Seed);
            foreach (var m in g.GroupBy(r => r.Mode).OrderBy(m => m.Key == baseline ? 0 : m.Key.StartsWith("regular", StringComparison.Ordinal) ? 3 : m.Key == "noise" ? 2 : 1).ThenBy(m => m.Key))
            {
                var these = m.OrderBy(r => r.Seed).ToArray();
                var (kl, klStd) = Stats(these, r => r.Kl);
                var (ae, aeStd) = Stats(these, r => 100 * r.ActionError);
                var (ge, geStd) = Stats(these, r => r.GradientError);
                string compute = string.Create(CultureInfo.InvariantCulture, $"{these.Average(r => (double)r.Steps):F0} / {these.Average(r => (double)r.ChosenStep):F0} / {F(these.Average(r => r.CpuSeconds))}");
                var paired = these.Where(r => regular.ContainsKey(r.Seed) && double.IsFinite(r.Kl) && double.IsFinite(regular[r.Seed].Kl)).ToArray();
                string difference = "–", lower = "–", wilcoxon = "–", tp = "–", prefers = "–";
                if (m.Key != baseline && paired.Length > 0)
                {
                    var test = PairedTest.Of(paired.Select(r => r.Kl).ToArray(), paired.Select(r => regular[r.Seed].Kl).ToArray());
                    difference = paired.Length > 1 ? $"{F(test.MeanDifference)} [{F(test.TTest.CiLow)}, {F(test.TTest.CiHigh)}]" : F(test.MeanDifference);
                    lower = $"{test.Below}/{test.N}";
                    wilcoxon = F(test.Wilcoxon.P);
                    tp = F(test.TTest.P);
                    prefers = $"{paired.Count(r => r.ValidationKl < regular[r.Seed].ValidationKl)}/{paired.Length}";
                }
                table.Row(F(g.Key), m.Key, m.Key.StartsWith("regular", StringComparison.Ordinal) ? "–" : string.Join(" ", these.Select(r => F(r.Lambda))), Pm(kl, klStd), difference, lower, wilcoxon, tp,
                    Pm(ae, aeStd), Pm(ge, geStd), prefers, compute);
            }
        }
        md.Append(table);
        return md.ToString();
    }

    // What an equal-time (CPU) budget gave the Regular students ("" for equal steps).
    private static string BudgetSentence(DataEfficiencyOptions o)
    {
        if (o.Budget == BudgetKind.EqualSteps) return "";
        string key = SobolevRL.Teachers.ModelCard.Spelling(o.Budget);
        return o.FormGrid.Length > 0
            ? $"Budget {key}: per fraction and seed a further Regular student ({DataEfficiencyExperiment.BudgetMode(o.Budget)}) trains up to 20× the steps until it has used the {TimeOf(o.Budget)} time of that seed's longest-training chosen form (validation may stop it sooner). "
            : $"Budget {key}: each Regular student trains up to 20× the steps until it has used its Sobolev pair's {TimeOf(o.Budget)} time (validation may stop it sooner). ";
    }

    // Which clock a budget counts.
    private static string TimeOf(BudgetKind budget) => budget == BudgetKind.EqualCpu ? "CPU" : "wall";

    // Mean of the per-seed differences Sobolev − Regular of the held-out KL with its 95% Student-t interval and Wilcoxon's p.
    private static string PairedKl(IReadOnlyList<DataEfficiencyRow> regular, IReadOnlyList<DataEfficiencyRow> sobolev)
    {
        var pairs = sobolev.Join(regular, s => s.Seed, r => r.Seed, (s, r) => (S: s.Kl, R: r.Kl)).Where(p => double.IsFinite(p.S) && double.IsFinite(p.R)).ToArray();
        if (pairs.Length == 0) return "–";
        var d = PairedTest.Of(pairs.Select(p => p.S).ToArray(), pairs.Select(p => p.R).ToArray());
        return pairs.Length > 1 ? $"{F(d.MeanDifference)} [{F(d.TTest.CiLow)}, {F(d.TTest.CiHigh)}], Wilcoxon p = {F(d.Wilcoxon.P)}" : F(d.MeanDifference);
    }

    private static string Compute(IReadOnlyList<DataEfficiencyRow> rows) =>
        rows.Count == 0 ? "–" : string.Create(CultureInfo.InvariantCulture, $"{rows.Average(r => (double)r.Steps):F0} / {F(rows.Average(r => r.Epochs))} / {F(rows.Average(r => r.CpuSeconds))}");

    private static (double Mean, double Std) Stats(IReadOnlyList<DataEfficiencyRow> rows, Func<DataEfficiencyRow, double> value)
    {
        var v = rows.Select(value).Where(double.IsFinite).ToArray();
        if (v.Length == 0) return (double.NaN, double.NaN);
        double mean = v.Average();
        return (mean, v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)) : double.NaN);
    }

    private static string Pm(double mean, double std) => double.IsNaN(mean) ? "–" : double.IsNaN(std) ? F(mean) : $"{F(mean)} ± {F(std)}";

    private static string F(double v) => double.IsNaN(v) ? "–" : v.ToString("G3", CultureInfo.InvariantCulture);
}
