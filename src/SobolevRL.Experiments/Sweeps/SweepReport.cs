using System.Globalization;
using System.Text;
using System.Text.Json;
using SobolevRL.Distillation;
using SobolevRL.Evaluation;
using SobolevRL.Evaluation.Aggregates;
using SobolevRL.Experiments;
using SobolevRL.Replay;
using SobolevRL.Reporting;
using SobolevRL.Runs;
using SobolevRL.Teachers;

namespace SobolevRL.Sweeps;

/// <summary>Mean and 95% Student-t interval of one metric over the seeds of one point of the sweep.</summary>
/// <param name="Point">Values of the swept keys (seed excluded).</param>
/// <param name="Metric">Metric name.</param>
/// <param name="Seeds">Finished runs with a finite value.</param>
/// <param name="Mean">Mean.</param>
/// <param name="CiLow">Lower end of the 95% interval (NaN with one seed).</param>
/// <param name="CiHigh">Upper end of the 95% interval (NaN with one seed).</param>
public sealed record MetricCell(Dictionary<string, string> Point, string Metric, int Seeds, double Mean, double CiLow, double CiHigh);

/// <summary>
/// Aggregates the finished runs of a sweep: per metric, one table over the swept keys with mean ± 95% CI across seeds;
/// <c>runs.csv</c> (one row per run), <c>aggregate.csv</c> and <c>aggregate.json</c>, and plots of each metric against
/// each swept key, Regular (Sobolev term off) vs Sobolev, in <c>report.md</c>; where the runs span games × seeds, the
/// Atari-style aggregates of <see cref="RunAggregates"/>.
/// </summary>
public static class SweepReport
{
    /// <summary>Metrics reported, with their titles.</summary>
    public static readonly (string Name, string Title)[] Metrics =
    [
        ("held_out_kl", "held-out KL(teacher || student)"),
        ("held_out_agreement", "held-out action agreement"),
        ("held_out_gradient_error", "held-out gradient-label relative error"),
        ("return", "evaluation return (last snapshot)"),
        ("pct_teacher_return", "% of teacher return"),
        ("train_seconds", "training wall time (s)"),
        ("wall_seconds", "run wall time incl. data (s)"),
        ("validation_kl", "validation KL of the kept snapshot"),
        ("chosen_step", "step of the kept snapshot"),
        ("epochs", "epochs (samples drawn / training states)"),
        ("cpu_seconds", "training CPU time (s, all threads)"),
    ];

    /// <summary>
    /// Writes the report into <paramref name="outDir"/> (default <c>DIR/report</c>); returns the cells, the choices of the
    /// tuned keys (<paramref name="tune"/>, default the sweep's <c>tune</c>; see <see cref="SweepTuning"/>) and the report path.
    /// </summary>
    public static (IReadOnlyList<MetricCell> Cells, IReadOnlyList<TunedChoice> Tuned, string ReportPath) Write(SweepDirectory sweep, string? outDir = null, IReadOnlyList<string>? tune = null)
    {
        var plan = sweep.ReadPlan();
        tune ??= plan.Tune ?? [];
        SweepTuning.CheckKeys(tune, plan.SweptKeys, UserErrorException.Key("tune"));
        var statuses = sweep.Status();
        var finished = statuses.Where(s => s.State == RunState.Done).ToArray();
        string dir = outDir ?? Path.Combine(sweep.Path, "report");
        Directory.CreateDirectory(dir);
        var keys = plan.SweptKeys.Where(k => k != "seed").ToArray();
        var teacherReturns = new Dictionary<string, double>();
        var rows = finished.Select(s => (s.Run, Values: MetricsOf(sweep, s, teacherReturns, out bool regular), Regular: regular)).ToArray();

        var runsCsv = new StringBuilder().AppendJoin(',', new[] { "id" }.Concat(plan.SweptKeys).Concat(Metrics.Select(m => m.Name)).Select(Csv)).Append('\n');
        foreach (var (run, values, _) in rows)
            runsCsv.AppendJoin(',', new[] { run.Id }.Concat(plan.SweptKeys.Select(k => run.Assignments.GetValueOrDefault(k, ""))).Concat(Metrics.Select(m => G(values[m.Name]))).Select(Csv)).Append('\n');
        RunDirectory.WriteAtomic(Path.Combine(dir, "runs.csv"), runsCsv.ToString());

        var cells = new List<MetricCell>();
        var groups = rows.GroupBy(r => string.Join('\u0001', keys.Select(k => r.Run.Assignments.GetValueOrDefault(k, "")))).ToArray();
        foreach (var (metric, _) in Metrics)
            foreach (var g in groups)
            {
                var values = g.Select(r => r.Values[metric]).Where(double.IsFinite).ToArray();
                if (values.Length == 0) continue;
                var stats = ReturnStatistics.Of(values);
                var point = keys.ToDictionary(k => k, k => g.First().Run.Assignments.GetValueOrDefault(k, ""));
                cells.Add(new MetricCell(point, metric, values.Length, stats.Mean, stats.CiLow, stats.CiHigh));
            }

        var aggregate = new StringBuilder().AppendJoin(',', keys.Concat(["metric", "seeds", "mean", "ci_low", "ci_high"]).Select(Csv)).Append('\n');
        foreach (var c in cells)
            aggregate.AppendJoin(',', keys.Select(k => c.Point[k]).Concat([c.Metric, c.Seeds.ToString(CultureInfo.InvariantCulture), G(c.Mean), G(c.CiLow), G(c.CiHigh)]).Select(Csv)).Append('\n');
        RunDirectory.WriteAtomic(Path.Combine(dir, "aggregate.csv"), aggregate.ToString());
        RunDirectory.WriteAtomic(Path.Combine(dir, "aggregate.json"), Json.Serialize(new
        {
            sweep = plan.Name,
            swept_keys = keys,
            runs = statuses.Count,
            done = finished.Length,
            failed = statuses.Count(s => s.State == RunState.Failed),
            cells,
        }));

        var md = new StringBuilder().Append(CultureInfo.InvariantCulture, $"# Sweep report: {plan.Name}\n\n");
        md.Append(CultureInfo.InvariantCulture, $"{finished.Length} of {statuses.Count} runs finished ({statuses.Count(s => s.State == RunState.Failed)} failed). ");
        md.Append("Cells: mean ± half-width of the 95% Student-t interval across seeds (n = seeds). Files: `runs.csv`, `aggregate.csv`, `aggregate.json`.\n\n");
        foreach (var (metric, title) in Metrics)
        {
            var mine = cells.Where(c => c.Metric == metric).ToArray();
            if (mine.Length == 0) continue;
            md.Append(CultureInfo.InvariantCulture, $"## {title}\n\n");
            var table = new MarkdownTable(keys.Append(metric).Append("n").ToArray());
            foreach (var c in mine) table.Row(keys.Select(k => c.Point[k]).Append(PlusMinus(c.Mean, c.CiLow, c.CiHigh)).Append(c.Seeds.ToString(CultureInfo.InvariantCulture)).ToArray());
            md.Append(table).Append('\n');
            foreach (string key in keys.Where(k => k != SobolevKey))
            {
                string file = $"{metric}-vs-{key.Replace('.', '_')}.png";
                if (Plot(rows.Select(r => (r.Run, r.Values[metric], r.Regular)).ToArray(), key, title, Path.Combine(dir, file)))
                    md.Append(CultureInfo.InvariantCulture, $"![{title} vs {key}]({file})\n\n");
            }
        }
        IReadOnlyList<TunedChoice> tuned = [];
        if (tune.Count > 0)
        {
            tuned = SweepTuning.Choose(rows, keys, tune);
            md.Append(SweepTuning.Section(dir, tuned, keys, tune, rows));
        }
        RunAggregates.AppendSection(md, dir, ScoredRuns(sweep, finished, keys, teacherReturns), new StratifiedBootstrap());
        string report = Path.Combine(dir, RunDirectory.ReportFile);
        RunDirectory.WriteAtomic(report, md.ToString());
        return (cells, tuned, report);
    }

    /// <summary>
    /// The finished runs as <see cref="RunAggregates"/> sees them. The game of a run is its student's env; a method is a
    /// point of the swept keys without <c>seed</c> and without the keys that only name the game (a key whose values and
    /// the runs' games determine each other, e.g. the dataset of each game). Atari games are normalised by the
    /// published random and human scores, other games by the teacher's recorded return (score = return / teacher's).
    /// </summary>
    private static ScoredRun[] ScoredRuns(SweepDirectory sweep, IReadOnlyList<RunStatus> finished, string[] keys, Dictionary<string, double> teacherReturns)
    {
        var runs = finished.Select(s =>
        {
            string card = ModelCard.PathFor(Path.Combine(sweep.OutputDir(s.Run.Id), DistillTrainer.OnnxFile));
            string env = File.Exists(card) ? ModelCard.Read(card).Env : "";
            string evalFile = Path.Combine(sweep.OutputDir(s.Run.Id), SnapshotEvaluator.FileName);
            double ret = File.Exists(evalFile) && MetricsLogger.ReadCsv(evalFile).TryGetValue("return_mean", out var r) && r.Count > 0 ? r[^1] : double.NaN;
            return (s.Run, Env: env, Return: ret, Teacher: teacherReturns.GetValueOrDefault(TeacherKey(s.Run.Data), double.NaN));
        }).ToArray();
        bool NamesTheGame(string key) =>
            runs.GroupBy(r => r.Run.Assignments.GetValueOrDefault(key, "")).All(g => g.Select(r => r.Env).Distinct().Count() == 1)
            && runs.GroupBy(r => r.Env).All(g => g.Select(r => r.Run.Assignments.GetValueOrDefault(key, "")).Distinct().Count() == 1)
            && runs.Select(r => r.Env).Distinct().Count() > 1;
        var methodKeys = keys.Where(k => !NamesTheGame(k)).ToArray();
        return runs.Select(r => new ScoredRun(
            methodKeys.Length == 0 ? "all runs" : string.Join(", ", methodKeys.Select(k => $"{k}={r.Run.Assignments.GetValueOrDefault(k, "")}")),
            r.Env, r.Return,
            r.Env.Length == 0 ? null
                : AtariReferenceScores.ForEnv(r.Env) ?? (double.IsFinite(r.Teacher) && r.Teacher != 0 ? new GameReference("teacher (return / teacher's)", 0, r.Teacher) : null)))
            .ToArray();
    }

    /// <summary>The config key that separates Regular from Sobolev runs.</summary>
    public const string SobolevKey = "loss.sobolev";

    // Metric vs one swept key; one line for Regular and one for Sobolev runs (means over everything else).
    private static bool Plot((SweepRun Run, double Value, bool Regular)[] rows, string key, string title, string path)
    {
        var values = rows.Select(r => r.Run.Assignments.GetValueOrDefault(key, "")).Distinct().ToArray();
        if (values.Length < 2) return false;
        bool numeric = values.All(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        double X(string v) => numeric ? double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture) : Array.IndexOf(values, v);
        var series = rows.Where(r => double.IsFinite(r.Value))
            .GroupBy(r => r.Regular ? "Regular" : "Sobolev")
            .Select(g =>
            {
                var points = g.GroupBy(r => X(r.Run.Assignments.GetValueOrDefault(key, ""))).OrderBy(p => p.Key)
                    .Select(p => (X: p.Key, Stats: ReturnStatistics.Of(p.Select(r => r.Value).ToArray()))).ToArray();
                return new PlotSeries(g.Key, points.Select(p => p.X).ToArray(), points.Select(p => p.Stats.Mean).ToArray(),
                    points.Select(p => p.Stats.CiLow).ToArray(), points.Select(p => p.Stats.CiHigh).ToArray());
            }).Where(s => s.X.Length > 0).ToList();
        if (series.Count == 0) return false;
        // Regular runs that do not depend on the key (loss.weight with the Sobolev term off: one run per seed, see
        // SweepPlanner) are one point: draw it as a level line across the key's range.
        double[] range = [.. values.Select(X).Order()];
        for (int i = 0; i < series.Count; i++)
            if (series[i] is { X.Length: 1 } single && range.Length > 1 && series.Count > 1)
                series[i] = new PlotSeries(single.Name + $" (does not use {key})", [range[0], range[^1]], [single.Y[0], single.Y[0]],
                    [single.Low![0], single.Low[0]], [single.High![0], single.High[0]]);
        LinePlot.Save(path, $"{title} vs {key}", numeric ? key : $"{key} ({string.Join(", ", values)})", title + " (mean, 95% CI)", series);
        return true;
    }

    private static Dictionary<string, double> MetricsOf(SweepDirectory sweep, RunStatus status, Dictionary<string, double> teacherReturns, out bool regular)
    {
        string output = sweep.OutputDir(status.Run.Id);
        var summary = JsonSerializer.Deserialize<DistillSummary>(File.ReadAllText(Path.Combine(output, RunDirectory.SummaryFile)), Json.Options)!;
        regular = summary.Sobolev == "off";
        string evalFile = Path.Combine(output, SnapshotEvaluator.FileName);
        double ret = double.NaN;
        if (File.Exists(evalFile) && MetricsLogger.ReadCsv(evalFile).TryGetValue("return_mean", out var returns) && returns.Count > 0) ret = returns[^1];
        // The teacher's recorded return: from its card, or for a run on an existing dataset from the card the dataset recorded.
        var data = status.Run.Data;
        string teacher = TeacherKey(data);
        if (teacher.Length > 0 && !teacherReturns.ContainsKey(teacher))
        {
            string card = ModelCard.PathFor(teacher);
            string manifest = Path.Combine(data.Source, DatasetManifest.FileName);
            teacherReturns[teacher] = (data.Teacher.Length > 0
                ? (File.Exists(card) ? ModelCard.Read(card).Evaluation : null)
                : (data.Source.Length > 0 && File.Exists(manifest) ? DatasetReader.ReadManifest(data.Source).Teacher.Card?.Evaluation : null))?.ReturnMean ?? double.NaN;
        }
        double teacherReturn = teacher.Length > 0 ? teacherReturns[teacher] : double.NaN;
        return new Dictionary<string, double>
        {
            ["held_out_kl"] = summary.HeldOutKl,
            ["held_out_agreement"] = summary.HeldOutAgreement,
            ["held_out_gradient_error"] = summary.HeldOutGradientError,
            ["return"] = ret,
            ["pct_teacher_return"] = teacherReturn != 0 ? 100 * ret / teacherReturn : double.NaN,
            ["train_seconds"] = summary.TrainSeconds,
            ["wall_seconds"] = status.Result?.WallSeconds ?? double.NaN,
            ["validation_kl"] = summary.ValidationKl,
            ["chosen_step"] = summary.ChosenStep,
            ["epochs"] = summary.Epochs,
            ["cpu_seconds"] = summary.CpuSeconds,
        };
    }

    // What a run's teacher return is recorded under: its teacher file, or the dataset it distils from.
    private static string TeacherKey(DataSpec data) => data.Teacher.Length > 0 ? data.Teacher : data.Source;

    internal static string PlusMinus(double mean, double ciLow, double ciHigh) =>
        double.IsNaN(ciHigh) ? G4(mean) : $"{G4(mean)} ± {G4((ciHigh - ciLow) / 2)}";

    internal static string G4(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    internal static string G(double v) => double.IsNaN(v) ? "" : v.ToString("R", CultureInfo.InvariantCulture);

    internal static string Csv(string s) => s.IndexOfAny([',', '"', '\n']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
