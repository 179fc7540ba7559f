using System.Globalization;
using System.Text;
using SobolevRL.Distillation;
using SobolevRL.Evaluation;
using SobolevRL.Reporting;
using SobolevRL.Runs;

namespace SobolevRL.Experiments;

/// <summary>
/// Tables and plots of the multi-game experiment: every student and game (<c>results.csv</c>); means with 95% CIs over
/// seeds per student group and game (<c>table.csv</c>); paired per-seed differences — Sobolev − Regular, multi-game −
/// single-game, few-shot from the multi-game student − from scratch — with their 95% t intervals and Wilcoxon's p
/// (<c>paired.csv</c>); bars of % of teacher per game and few-shot transfer curves against k.
/// </summary>
public static class MultiGameExperimentReport
{
    /// <summary>The metrics of every table: name, column, value of a row.</summary>
    private static readonly (string Name, string Column, Func<MultiGameRow, double> Value)[] Metrics =
    [
        ("kl", "held-out KL", r => r.Kl),
        ("agreement", "agreement", r => r.Agreement),
        ("gradient_error", "gradient error", r => r.GradientError),
        ("return", "return", r => r.ReturnMean),
        ("percent_of_teacher", "% of teacher", r => r.PercentOfTeacher),
    ];

    /// <summary>Writes <c>report.md</c>, the CSV tables and the plots into <paramref name="outDir"/>; returns the report path.</summary>
    public static string Write(MultiGameExperimentResult result, MultiGameExperimentOptions o, string outDir)
    {
        var rows = result.Rows;
        var csv = new StringBuilder("kind,student,loss,lambda,seed,percent,game,split,kl,agreement,gradient_error,return_mean,percent_of_teacher,parameters,train_states,steps,cpu_seconds,run\n");
        foreach (var r in rows)
            csv.Append(CultureInfo.InvariantCulture, $"{r.Kind},{r.Student.Replace(',', ';')},{r.Loss},{r.Lambda:R},{r.Seed},{r.Percent:R},{r.Game},{r.Split},{r.Kl:R},{r.Agreement:R},{r.GradientError:R},")
               .Append(CultureInfo.InvariantCulture, $"{r.ReturnMean:R},{r.PercentOfTeacher:R},{r.Parameters},{r.TrainStates},{r.Steps},{r.CpuSeconds:R},{r.Run}\n");
        RunDirectory.WriteAtomic(Path.Combine(outDir, "results.csv"), csv.ToString());

        // Means with 95% intervals per group and game.
        var groups = rows.GroupBy(r => (r.Kind, r.Student, r.Loss, r.Percent, r.Game, r.Split))
            .OrderBy(g => KindOrder(g.Key.Kind)).ThenBy(g => g.Key.Student, StringComparer.Ordinal).ThenBy(g => g.Key.Percent).ThenBy(g => g.Key.Game, StringComparer.Ordinal).ThenBy(g => g.Key.Loss, StringComparer.Ordinal).ToArray();
        var table = new MarkdownTable(["student", "loss", "game", "split", "n", "parameters", .. Metrics.Select(m => m.Column)]);
        var tableCsv = new StringBuilder("kind,student,loss,percent,game,split,seeds,parameters," + string.Join(",", Metrics.Select(m => $"{m.Name}_mean,{m.Name}_ci_low,{m.Name}_ci_high")) + "\n");
        foreach (var g in groups)
        {
            var stats = Metrics.Select(m => Stats(g.Select(m.Value))).ToArray();
            table.Row([Describe(g.Key.Kind, g.Key.Student, g.Key.Percent), g.Key.Loss, g.Key.Game, g.Key.Split, g.Count().ToString(CultureInfo.InvariantCulture),
                g.First().Parameters.ToString(CultureInfo.InvariantCulture), .. stats.Select(Pm)]);
            tableCsv.Append(CultureInfo.InvariantCulture, $"{g.Key.Kind},{g.Key.Student.Replace(',', ';')},{g.Key.Loss},{g.Key.Percent:R},{g.Key.Game},{g.Key.Split},{g.Count()},{g.First().Parameters},")
                .Append(string.Join(",", stats.Select(s => s is null ? "NaN,NaN,NaN" : string.Create(CultureInfo.InvariantCulture, $"{s.Mean:R},{s.CiLow:R},{s.CiHigh:R}")))).Append('\n');
        }
        RunDirectory.WriteAtomic(Path.Combine(outDir, "table.csv"), tableCsv.ToString());

        var paired = Paired(rows);
        var pairedTable = new MarkdownTable("comparison", "student", "game", "metric", "n", "A", "B", "A − B (95% CI)", "Wilcoxon p");
        var pairedCsv = new StringBuilder("comparison,student,game,metric,seeds,a_mean,b_mean,difference_mean,ci_low,ci_high,wilcoxon_p\n");
        foreach (var p in paired)
        {
            pairedTable.Row(p.Comparison, p.Student, p.Game, p.Metric, p.Test.N.ToString(CultureInfo.InvariantCulture), F(p.A), F(p.B),
                p.Test.N > 1 ? $"{F(p.Test.MeanDifference)} [{F(p.Test.TTest.CiLow)}, {F(p.Test.TTest.CiHigh)}]" : F(p.Test.MeanDifference), F(p.Test.Wilcoxon.P));
            pairedCsv.Append(CultureInfo.InvariantCulture,
                $"{p.Comparison},{p.Student.Replace(',', ';')},{p.Game},{p.Metric},{p.Test.N},{p.A:R},{p.B:R},{p.Test.MeanDifference:R},{p.Test.TTest.CiLow:R},{p.Test.TTest.CiHigh:R},{p.Test.Wilcoxon.P:R}\n");
        }
        RunDirectory.WriteAtomic(Path.Combine(outDir, "paired.csv"), pairedCsv.ToString());

        var md = new StringBuilder("# Multi-game distillation\n\n");
        md.Append(CultureInfo.InvariantCulture, $"Training games {string.Join(", ", result.Games)}; held out {result.HeldOut}. One dataset of {o.States} states per game recorded with its teacher (")
          .Append(string.Join(", ", result.Teachers.Select(t => $"{t.Key}: {result.Envs[t.Key]}")))
          .Append(CultureInfo.InvariantCulture, $"; labels {o.Labels}, collection seed {o.DataSeed}). Students: multi-game {string.Join(", ", o.StudentSpecs().Select(s => $"`{s}`"))} on every training game for {o.Distill.Optim.Steps} steps of batch {o.Distill.Optim.BatchSize} (equal shares per game), ")
          .Append(o.SingleGame ? string.Create(CultureInfo.InvariantCulture, $"single-game `{o.StudentSpecs()[0]}` students on each training game ({(o.StepsOf("single") == o.Distill.Optim.Steps ? "same steps and batch" : $"{o.StepsOf("single")} steps of the same batch")}), ") : "")
          .Append(o.FewShot.Length == 0 ? $"no few-shot students on {result.HeldOut}. "
              : string.Create(CultureInfo.InvariantCulture, $"few-shot `{o.StudentSpecs()[0]}` students on {string.Join(", ", o.FewShot.Select(k => F(k) + "%"))} of {result.HeldOut}'s training episodes for {o.FewShotSteps} steps, from scratch or from the multi-game student of the same loss and seed. "))
          .Append(CultureInfo.InvariantCulture, $"Regular: KL only; Sobolev: {o.Sobolev}, ")
          .Append(o.LambdaGrid.Length > 0
              ? $"λ chosen per student by validation KL among {string.Join(", ", LambdaSearch.Trials(o.LambdaGrid).Select(F))} (0: the Sobolev term off; see below)"
              : $"λ = {F(o.Distill.Loss.Weight)}")
          .Append(CultureInfo.InvariantCulture, $"; heads {o.Distill.Games.Head.ToString().ToLowerInvariant()}, input adapters {o.Distill.Games.Adapter.ToString().ToLowerInvariant()}. ")
          .Append(CultureInfo.InvariantCulture, $"Held-out KL, agreement and gradient error on up to {o.Distill.Logging.HeldOutStates} states of each game's held-out episodes; returns: {result.Protocol}; % of teacher against the teacher under the same protocol and seeds")
          .Append(result.TeacherReturns.Count > 0 ? " (" + string.Join(", ", result.TeacherReturns.Select(t => $"{t.Key} {F(t.Value.Mean)}")) + ")" : "")
          .Append(CultureInfo.InvariantCulture, $". {o.Seeds} seeds; ± is the 95% Student-t half-width over seeds.\n\n")
          .Append("## Every game, mean over seeds\n\n").Append(table).Append('\n')
          .Append("## Paired by seed\n\nA − B per seed, mean with its 95% Student-t interval; Wilcoxon's exact signed-rank p (with n seeds never below 2/2^n). ")
          .Append("Sobolev − Regular: same kind, spec and seed; multi − single: the multi-game student against the single-game student of the same spec, loss and seed on that game; few-shot multi − scratch: the same loss, k and seed.\n\n")
          .Append(pairedTable).Append('\n');
        if (o.LambdaGrid.Length > 0)
        {
            var chosen = new MarkdownTable("student", "seed", "λ", "run");
            foreach (var r in rows.Where(r => r.Loss == "sobolev").DistinctBy(r => r.Run).OrderBy(r => KindOrder(r.Kind)).ThenBy(r => r.Student, StringComparer.Ordinal)
                         .ThenBy(r => r.Percent).ThenBy(r => r.Seed).ThenBy(r => r.Run, StringComparer.Ordinal))
                chosen.Row(r.Kind == "single" ? $"{Describe(r.Kind, r.Student, r.Percent)} {r.Game}" : Describe(r.Kind, r.Student, r.Percent),
                    r.Seed.ToString(CultureInfo.InvariantCulture), F(r.Lambda), $"`{r.Run}`");
            md.Append("## λ of the Sobolev students, chosen on validation\n\nEach Sobolev student is the trial of lowest validation KL of its λ search (`lambda-search.json` in its search directory); λ = 0 means the Sobolev term did not help on validation.\n\n")
              .Append(chosen).Append('\n');
        }

        var bars = rows.Where(r => r.Kind is "multi" or "single").ToArray();
        string[] categories = [.. result.Games, result.HeldOut];
        var barSeries = bars.GroupBy(r => (r.Kind, r.Student, r.Loss)).OrderBy(g => KindOrder(g.Key.Kind)).ThenBy(g => g.Key.Student, StringComparer.Ordinal).ThenBy(g => g.Key.Loss, StringComparer.Ordinal)
            .Select(g => new BarSeries($"{Describe(g.Key.Kind, g.Key.Student, double.NaN)} {g.Key.Loss}",
                [.. categories.Select(c => Stats(g.Where(r => r.Game == c).Select(r => r.PercentOfTeacher))?.Mean ?? double.NaN)],
                [.. categories.Select(c => Stats(g.Where(r => r.Game == c).Select(r => r.PercentOfTeacher)) is { } s ? (s.CiHigh - s.CiLow) / 2 : double.NaN)]))
            .Where(s => s.Values.Any(double.IsFinite)).ToArray();
        if (barSeries.Length > 0)
        {
            BarPlot.Save(Path.Combine(outDir, "percent_of_teacher.png"), "% of teacher's return per game (mean, 95% CI over seeds)", "% of teacher", categories, barSeries);
            md.Append("![% of teacher per game](percent_of_teacher.png)\n\n");
        }
        var few = rows.Where(r => r.Kind.StartsWith("few", StringComparison.Ordinal)).ToArray();
        foreach (var (file, title, value, y) in new (string, string, Func<MultiGameRow, double>, string)[]
        {
            ("transfer_kl.png", $"few-shot transfer to {result.HeldOut}: held-out KL", r => r.Kl, "KL(teacher || student)"),
            ("transfer_percent.png", $"few-shot transfer to {result.HeldOut}: % of teacher", r => r.PercentOfTeacher, "% of teacher"),
        })
        {
            var series = few.GroupBy(r => (r.Kind, r.Loss)).OrderBy(g => g.Key.Kind, StringComparer.Ordinal).ThenBy(g => g.Key.Loss, StringComparer.Ordinal).Select(g =>
            {
                var points = g.GroupBy(r => r.Percent).OrderBy(p => p.Key).Select(p => (K: p.Key, S: Stats(p.Select(value)))).Where(p => p.S != null).ToArray();
                return new PlotSeries($"{(g.Key.Kind == "few-multi" ? "from multi-game" : "from scratch")} {g.Key.Loss}", [.. points.Select(p => p.K)], [.. points.Select(p => p.S!.Mean)],
                    [.. points.Select(p => p.S!.CiLow)], [.. points.Select(p => p.S!.CiHigh)]);
            }).Where(s => s.X.Length > 0).ToArray();
            if (series.Length == 0) continue;
            LinePlot.Save(Path.Combine(outDir, file), title, $"% of {result.HeldOut}'s training split (log scale)", y, series, logX: true);
            md.Append(CultureInfo.InvariantCulture, $"![{title}]({file})\n\n");
        }
        HeldOutCurves(md, result, outDir);
        md.Append("Every student and game: `results.csv`; the means: `table.csv`; the paired differences: `paired.csv`.\n");
        string path = Path.Combine(outDir, RunDirectory.ReportFile);
        RunDirectory.WriteAtomic(path, md.ToString());
        return path;
    }

    /// <summary>
    /// The held-out game played zero-shot while the multi-game students trained (their snapshot evaluations,
    /// <see cref="MultiGameTrainer.HeldOutEvalFile"/>): return and KL against the training step, Regular vs Sobolev per
    /// student spec, mean and 95% band over seeds.
    /// </summary>
    private static void HeldOutCurves(StringBuilder md, MultiGameExperimentResult result, string outDir)
    {
        var groups = result.Rows.Where(r => r.Kind == "multi" && r.Split == "zero-shot").DistinctBy(r => r.Run)
            .GroupBy(r => (r.Student, r.Loss)).OrderBy(g => g.Key.Student, StringComparer.Ordinal).ThenBy(g => g.Key.Loss, StringComparer.Ordinal).ToArray();
        bool any = false;
        foreach (var (file, title, column, y, logY) in new[]
        {
            ("held_out_return.png", $"{result.HeldOut} zero-shot during training: return", "return_mean", "mean return", false),
            ("held_out_kl.png", $"{result.HeldOut} zero-shot during training: held-out KL", "kl", "KL (log scale)", true),
        })
        {
            var series = new List<PlotSeries>();
            foreach (var g in groups)
            {
                var evals = g.Select(r => Path.Combine(outDir, r.Run, MultiGameTrainer.HeldOutEvalFile(result.HeldOut)))
                    .Select(path => File.Exists(path) ? MetricsLogger.ReadCsv(path) : null).ToArray();
                if (DistillationReport.SeedBand(evals, column, logY) is { } band)
                    series.Add(band with { Name = $"{g.Key.Student} {(g.Key.Loss == "regular" ? "Regular" : "Sobolev")} ({evals.Length} seeds)" });
            }
            if (series.Count == 0) continue;
            if (!any) md.Append(CultureInfo.InvariantCulture, $"## {result.HeldOut} during training (zero-shot)\n\nThe multi-game students' snapshot evaluator played the held-out game through the shared head at every snapshot (`eval-held-out-{result.HeldOut.ToLowerInvariant()}.csv` in each run); mean over seeds with its 95% Student-t band.\n\n");
            any = true;
            LinePlot.Save(Path.Combine(outDir, file), title, "training step", y, series, logY);
            md.Append(CultureInfo.InvariantCulture, $"![{title}]({file})\n\n");
        }
    }

    /// <summary>A paired comparison of one metric over seeds.</summary>
    /// <param name="Comparison">What is compared (A − B).</param>
    /// <param name="Student">The student group (spec, or few-shot k).</param>
    /// <param name="Game">Game.</param>
    /// <param name="Metric">Metric name.</param>
    /// <param name="A">Mean of A.</param>
    /// <param name="B">Mean of B.</param>
    /// <param name="Test">The paired test of A − B.</param>
    public sealed record PairedRow(string Comparison, string Student, string Game, string Metric, double A, double B, PairedTestResult Test);

    /// <summary>The paired comparisons of <paramref name="rows"/>: Sobolev − Regular, multi − single, few-shot multi − scratch, per metric.</summary>
    public static IReadOnlyList<PairedRow> Paired(IReadOnlyList<MultiGameRow> rows)
    {
        var result = new List<PairedRow>();
        void Add(string comparison, string student, string game, IEnumerable<MultiGameRow> a, IEnumerable<MultiGameRow> b)
        {
            var bySeed = b.GroupBy(r => r.Seed).ToDictionary(g => g.Key, g => g.First());
            foreach (var (name, _, value) in Metrics)
            {
                var pairs = a.Where(r => bySeed.ContainsKey(r.Seed)).Select(r => (A: value(r), B: value(bySeed[r.Seed]))).Where(p => double.IsFinite(p.A) && double.IsFinite(p.B)).ToArray();
                if (pairs.Length == 0) continue;
                result.Add(new PairedRow(comparison, student, game, name, pairs.Average(p => p.A), pairs.Average(p => p.B),
                    PairedTest.Of([.. pairs.Select(p => p.A)], [.. pairs.Select(p => p.B)])));
            }
        }
        foreach (var g in rows.GroupBy(r => (r.Kind, r.Student, r.Percent, r.Game)).OrderBy(g => KindOrder(g.Key.Kind)).ThenBy(g => g.Key.Student, StringComparer.Ordinal).ThenBy(g => g.Key.Percent).ThenBy(g => g.Key.Game, StringComparer.Ordinal))
            Add("Sobolev − Regular", Describe(g.Key.Kind, g.Key.Student, g.Key.Percent), g.Key.Game, g.Where(r => r.Loss == "sobolev"), g.Where(r => r.Loss == "regular"));
        foreach (var g in rows.Where(r => r.Kind == "multi").GroupBy(r => (r.Student, r.Loss, r.Game)))
        {
            var single = rows.Where(r => r.Kind == "single" && r.Student == g.Key.Student && r.Loss == g.Key.Loss && r.Game == g.Key.Game).ToArray();
            if (single.Length > 0) Add($"multi − single, {g.Key.Loss}", g.Key.Student, g.Key.Game, g, single);
        }
        foreach (var g in rows.Where(r => r.Kind == "few-multi").GroupBy(r => (r.Loss, r.Percent, r.Game)).OrderBy(g => g.Key.Loss, StringComparer.Ordinal).ThenBy(g => g.Key.Percent))
            Add($"few-shot multi − scratch, {g.Key.Loss}", $"{F(g.Key.Percent)}%", g.Key.Game, g,
                rows.Where(r => r.Kind == "few-scratch" && r.Loss == g.Key.Loss && r.Percent == g.Key.Percent && r.Game == g.Key.Game));
        return result;
    }

    private static int KindOrder(string kind) => kind switch { "multi" => 0, "single" => 1, "few-scratch" => 2, _ => 3 };

    private static string Describe(string kind, string student, double percent) => kind switch
    {
        "multi" => $"multi-game {student}",
        "single" => $"single-game {student}",
        "few-scratch" => $"few-shot {F(percent)}% from scratch",
        "few-multi" => $"few-shot {F(percent)}% from multi-game",
        _ => kind,
    };

    private static ReturnStatistics? Stats(IEnumerable<double> values)
    {
        var v = values.Where(double.IsFinite).ToArray();
        return v.Length == 0 ? null : ReturnStatistics.Of(v);
    }

    private static string Pm(ReturnStatistics? s) => s is null ? "–" : double.IsFinite(s.CiHigh) ? $"{F(s.Mean)} ± {F((s.CiHigh - s.CiLow) / 2)}" : F(s.Mean);

    private static string F(double v) => double.IsNaN(v) ? "–" : v.ToString("G3", CultureInfo.InvariantCulture);
}
