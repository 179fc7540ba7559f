using System.Globalization;
using System.Text;
using System.Text.Json;
using SobolevRL.Distillation;
using SobolevRL.Evaluation;
using SobolevRL.Evaluation.Aggregates;
using SobolevRL.Runs;
using SobolevRL.Teachers;

namespace SobolevRL.Reporting;

/// <summary>
/// Markdown report over distillation runs: learning curves (training loss; held-out KL, agreement, gradient error and
/// return of the snapshot evaluations), Regular-vs-Sobolev figures for runs whose configs differ only in the Sobolev
/// term, a table of final figures, and for runs whose configs differ only in their seed the mean over seeds with 95%
/// Student-t intervals (table and banded curves); for runs that span games × seeds, the Atari-style aggregates of
/// <see cref="RunAggregates"/>.
/// </summary>
public static class DistillationReport
{
    private static readonly string[] SobolevKeys = ["sobolev:", "weight:", "estimator:", "derivative_loss:", "fd_directions:", "fd_step:"];

    /// <summary>
    /// Writes <c>report.md</c> and PNG plots into <paramref name="outDir"/>; returns the report path. A
    /// <paramref name="preamble"/> (Markdown) goes between the run list and the final figures.
    /// </summary>
    public static string Write(IReadOnlyList<string> runPaths, string outDir, string? preamble = null)
    {
        var runs = ResolveRuns(runPaths).Select(Read).ToArray();
        Directory.CreateDirectory(outDir);
        var md = new StringBuilder("# Distillation report\n\n");
        md.Append("Runs: ").AppendJoin(", ", runs.Select(r => $"`{r.Name}`")).Append("\n\n");
        if (preamble != null) md.Append(preamble.TrimEnd()).Append("\n\n");
        md.Append("## Final figures\n\n");
        var table = new MarkdownTable("run", "student", "params", "compression", "sobolev", "steps", "held-out KL", "agreement", "gradient rel. error", "return (last eval)");
        foreach (var r in runs)
        {
            var s = r.Summary;
            table.Row(r.Name, s.Student, s.StudentParameters.ToString(CultureInfo.InvariantCulture), F(s.CompressionRatio), s.Sobolev,
                s.Steps.ToString(CultureInfo.InvariantCulture), F(s.HeldOutKl), F(s.HeldOutAgreement), F(s.HeldOutGradientError), F(Last(r.Eval, "return_mean")));
        }
        md.Append(table).Append("\n\n## Learning curves\n\n");
        // The totals of a Regular and a Sobolev run are different objectives: each part is plotted on its own.
        Plot(md, outDir, "loss_value.png", "training loss: value term (same objective in every run)", "value loss (log scale)", runs, r => r.Metrics, "loss_value", logY: true);
        Plot(md, outDir, "loss_sobolev.png", "training loss: derivative term (unweighted, Sobolev runs)", "derivative loss (log scale)", runs.Where(r => !r.IsRegular), r => r.Metrics, "loss_sobolev", logY: true);
        Plot(md, outDir, "kl.png", "held-out KL(teacher || student)", "KL (log scale)", runs, r => r.Eval, "kl", logY: true);
        Plot(md, outDir, "agreement.png", "held-out action agreement", "agreement", runs, r => r.Eval, "agreement");
        Plot(md, outDir, "grad_error.png", "held-out gradient-label relative error", "relative error", runs, r => r.Eval, "grad_rel_error");
        Plot(md, outDir, "return.png", "evaluation return", "mean return", runs, r => r.Eval, "return_mean");

        var groups = runs.GroupBy(r => r.ConfigWithoutSobolev).Where(g => g.Count() > 1 && g.Any(r => r.IsRegular) && g.Any(r => !r.IsRegular)).ToArray();
        for (int i = 0; i < groups.Length; i++)
        {
            var members = groups[i].ToArray();
            md.Append(CultureInfo.InvariantCulture, $"## Regular vs Sobolev ({string.Join(" vs ", members.Select(m => m.Name))})\n\n");
            Plot(md, outDir, $"compare{i + 1}-kl.png", "Regular vs Sobolev: held-out KL", "KL (log scale)", members, r => r.Eval, "kl", logY: true);
            Plot(md, outDir, $"compare{i + 1}-grad.png", "Regular vs Sobolev: gradient-label error", "relative error", members, r => r.Eval, "grad_rel_error");
        }
        AcrossSeeds(md, outDir, runs);
        RunAggregates.AppendSection(md, outDir, runs.Select(r => new ScoredRun($"{r.Summary.Student}, sobolev {r.Summary.Sobolev}", r.Env,
            Last(r.Eval, "return_mean"), r.Env.Length > 0 ? AtariReferenceScores.ForEnv(r.Env) : null)).ToArray(), new StratifiedBootstrap());
        string path = Path.Combine(outDir, RunDirectory.ReportFile);
        RunDirectory.WriteAtomic(path, md.ToString());
        return path;
    }

    private static void Plot(StringBuilder md, string outDir, string file, string title, string yLabel, IEnumerable<RunData> runs,
        Func<RunData, Dictionary<string, List<double>>?> table, string column, bool logY = false)
    {
        var series = new List<(string, double[], double[])>();
        foreach (var r in runs)
        {
            var t = table(r);
            if (t is null || !t.TryGetValue(column, out var ys) || !t.TryGetValue("step", out var xs)) continue;
            var points = xs.Zip(ys).Where(p => double.IsFinite(p.Second) && (!logY || p.Second > 0)).ToArray();
            if (points.Length == 0) continue;
            series.Add(($"{r.Name} ({r.Summary.Sobolev})", points.Select(p => p.First).ToArray(), points.Select(p => p.Second).ToArray()));
        }
        if (series.Count == 0) return;
        LinePlot.Save(Path.Combine(outDir, file), title, "step", yLabel, series, logY);
        md.Append(CultureInfo.InvariantCulture, $"![{title}]({file})\n\n");
    }

    // Runs that differ only in their seed are repeats of one configuration: their mean and spread are the figures a
    // reader can compare, where single curves would show noise as differences.
    private static void AcrossSeeds(StringBuilder md, string outDir, IReadOnlyList<RunData> runs)
    {
        var groups = runs.GroupBy(r => r.ConfigWithoutSeed).Select(g => g.ToArray()).Where(g => g.Length > 1).ToArray();
        if (groups.Length == 0) return;
        md.Append("## Across seeds\n\nRuns whose configs differ only in `seed`: mean and 95% Student-t interval of the mean over the seeds ")
          .Append("(final figures; curves at the steps every seed evaluated).\n\n");
        var table = new MarkdownTable("runs", "seeds", "sobolev", "held-out KL", "agreement", "gradient rel. error", "return (last eval)");
        string Cell(RunData[] g, Func<RunData, double> value)
        {
            var values = g.Select(value).Where(double.IsFinite).ToArray();
            if (values.Length == 0) return "–";
            var s = ReturnStatistics.Of(values);
            return values.Length > 1 ? $"{F(s.Mean)} ± {F((s.CiHigh - s.CiLow) / 2)}" : F(s.Mean);
        }
        var labels = groups.Select(g => string.Join(", ", g.Select(r => r.Name))).ToArray();
        for (int i = 0; i < groups.Length; i++)
        {
            var g = groups[i];
            table.Row(labels[i], g.Length.ToString(CultureInfo.InvariantCulture), g[0].Summary.Sobolev, Cell(g, r => r.Summary.HeldOutKl),
                Cell(g, r => r.Summary.HeldOutAgreement), Cell(g, r => r.Summary.HeldOutGradientError), Cell(g, r => Last(r.Eval, "return_mean")));
        }
        md.Append(table).Append("\n\n");
        foreach (var (file, title, yLabel, column, logY) in new[]
        {
            ("seeds-kl.png", "held-out KL(teacher || student), mean over seeds", "KL (log scale)", "kl", true),
            ("seeds-agreement.png", "held-out action agreement, mean over seeds", "agreement", "agreement", false),
            ("seeds-return.png", "evaluation return, mean over seeds", "mean return", "return_mean", false),
        })
        {
            var series = new List<PlotSeries>();
            for (int i = 0; i < groups.Length; i++)
                if (SeedBand(groups[i], column, logY) is { } band)
                    series.Add(band with { Name = $"group {i + 1} ({groups[i][0].Summary.Sobolev}, {groups[i].Length} seeds)" });
            if (series.Count == 0) continue;
            LinePlot.Save(Path.Combine(outDir, file), title, "step", yLabel + ", band: 95% CI", series, logY);
            md.Append(CultureInfo.InvariantCulture, $"![{title}]({file})\n\n");
        }
        md.AppendJoin("", labels.Select((l, i) => string.Create(CultureInfo.InvariantCulture, $"Group {i + 1}: {l}.\n"))).Append('\n');
    }

    private static PlotSeries? SeedBand(RunData[] group, string column, bool logY) => SeedBand([.. group.Select(r => r.Eval)], column, logY);

    /// <summary>
    /// Mean and 95% Student-t band over runs (their evaluation rows, <see cref="MetricsLogger.ReadCsv"/>; null: a run
    /// without) of one evaluation column, at the steps all of them evaluated with a finite (and, on a log axis, positive)
    /// value; null when there are none.
    /// </summary>
    public static PlotSeries? SeedBand(IReadOnlyList<Dictionary<string, List<double>>?> evals, string column, bool logY)
    {
        var perRun = new List<Dictionary<double, double>>();
        foreach (var e in evals)
        {
            if (e is not { } t || !t.TryGetValue(column, out var ys) || !t.TryGetValue("step", out var xs)) return null;
            var byStep = new Dictionary<double, double>();
            foreach (var (x, y) in xs.Zip(ys))
                if (double.IsFinite(y) && (!logY || y > 0)) byStep[x] = y;
            perRun.Add(byStep);
        }
        var steps = perRun[0].Keys.Where(x => perRun.All(p => p.ContainsKey(x))).Order().ToArray();
        if (steps.Length == 0) return null;
        var stats = steps.Select(x => ReturnStatistics.Of(perRun.Select(p => p[x]).ToArray())).ToArray();
        return new PlotSeries("", steps, stats.Select(s => s.Mean).ToArray(), stats.Select(s => s.CiLow).ToArray(), stats.Select(s => s.CiHigh).ToArray());
    }

    private static double Last(Dictionary<string, List<double>>? t, string column) =>
        t != null && t.TryGetValue(column, out var v) && v.Count > 0 ? v[^1] : double.NaN;

    private static string F(double v) => double.IsNaN(v) ? "–" : v.ToString("G4", CultureInfo.InvariantCulture);

    private sealed record RunData(string Name, string Env, DistillSummary Summary, Dictionary<string, List<double>>? Metrics, Dictionary<string, List<double>>? Eval,
        string ConfigWithoutSobolev, string ConfigWithoutSeed)
    {
        public bool IsRegular => Summary.Sobolev == "off";
    }

    /// <summary>
    /// The distillation runs behind <paramref name="paths"/>: a finished distillation run stands for itself; a directory
    /// that holds finished runs one level down (a demo or experiment directory), or else two levels down (a demo's λ search), stands for them. Throws a
    /// <see cref="UserErrorException"/> naming the first path that is neither, before anything is written.
    /// </summary>
    public static IReadOnlyList<string> ResolveRuns(IReadOnlyList<string> paths)
    {
        if (paths.Count == 0) throw new UserErrorException("give at least one run directory");
        var runs = new List<string>();
        foreach (string path in paths)
        {
            var run = RunDirectory.Open(path);
            if (Summary(run.Path) != null) { runs.Add(run.Path); continue; }
            var children = Directory.EnumerateDirectories(run.Path).Order(StringComparer.Ordinal).ToArray();
            var inner = children.Where(d => Summary(d) != null).ToArray();
            // A demo with a λ grid keeps its trials one level deeper (DIR/lambda-search/lambda-λ).
            if (inner.Length == 0)
                inner = children.SelectMany(c => Directory.EnumerateDirectories(c).Order(StringComparer.Ordinal)).Where(d => Summary(d) != null).ToArray();
            if (inner.Length == 0)
                throw new UserErrorException($"'{path}' is not a finished distillation run (no {RunDirectory.SummaryFile} with a student) and holds none one or two levels down; give a run directory of distill, demo or sweep");
            runs.AddRange(inner);
        }
        return runs;
    }

    // The distillation summary of a run directory, or null when it has none (unfinished, or another command's summary).
    private static DistillSummary? Summary(string dir)
    {
        string summaryPath = Path.Combine(dir, RunDirectory.SummaryFile);
        if (!File.Exists(summaryPath)) return null;
        try
        {
            var summary = JsonSerializer.Deserialize<DistillSummary>(File.ReadAllText(summaryPath), Json.Options);
            // Another command's summary.json (demo, experiment) deserializes with the distillation fields missing.
            return summary is { Student: not null, Sobolev: not null } ? summary : null;
        }
        catch (JsonException) { return null; }
    }

    private static RunData Read(string path)
    {
        var run = RunDirectory.Open(path);
        var summary = Summary(run.Path) ?? throw new UserErrorException($"'{path}' is not a finished distillation run");
        string metrics = run.File("metrics.csv"), eval = run.File(SnapshotEvaluator.FileName), config = run.File(RunDirectory.ConfigFile);
        string[] lines = File.Exists(config) ? File.ReadAllLines(config) : [];
        string Without(Func<string, bool> dropped) => lines.Length > 0 ? string.Join('\n', lines.Where(l => !dropped(l))) : path;
        // `seed` is a top-level key of a distillation config; nested keys named seed (if any) belong to other parts.
        string card = ModelCard.PathFor(Path.Combine(run.Path, DistillTrainer.OnnxFile));
        string env = File.Exists(card) ? ModelCard.Read(card).Env : "";
        return new RunData(Path.GetFileName(run.Path.TrimEnd('/')), env, summary,
            File.Exists(metrics) ? MetricsLogger.ReadCsv(metrics) : null, File.Exists(eval) ? MetricsLogger.ReadCsv(eval) : null,
            Without(l => SobolevKeys.Any(k => l.TrimStart().StartsWith(k, StringComparison.Ordinal))), Without(l => l.StartsWith("seed:", StringComparison.Ordinal)));
    }
}
