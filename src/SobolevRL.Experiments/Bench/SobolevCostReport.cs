using System.Globalization;
using System.Text;
using SobolevRL.Reporting;
using SobolevRL.Runs;

namespace SobolevRL.Bench;

/// <summary>The tables and plots of <see cref="SobolevCostJob"/>: report.md and PNGs in the run directory.</summary>
public static class SobolevCostReport
{
    /// <summary>Plot files the report writes.</summary>
    public static readonly string[] Plots = ["cost_vs_k.png", "cost_vs_actions.png", "memory_vs_k.png", "label_cost_vs_k.png", "label_cost_vs_actions.png"];

    /// <summary>Modes of the summary table, in its column order (those measured).</summary>
    public static readonly string[] SummaryModes = ["vjp:1", "vjp:8", "full A=6", "full A=18", "fd M=4 (vjp:1)", "vjp:1 autograd"];

    /// <summary>
    /// The summary: per architecture its parameters, plain step (ms), the wall-time ratios (CPU-time ratios with
    /// <paramref name="cpu"/>) of the <see cref="SummaryModes"/>, and labelling per state relative to logits only.
    /// </summary>
    public static (string[] Headers, List<string[]> Rows) Summary(SobolevCostResult result, bool cpu = false)
    {
        var modes = SummaryModes.Where(m => result.Steps.Any(s => s.Mode == m)).ToArray();
        var headers = new List<string> { "architecture", "parameters", cpu ? "plain step CPU ms" : "plain step ms" };
        headers.AddRange(modes.Select(m => m + " ×"));
        bool labels = result.Labels.Count > 0;
        if (labels) headers.AddRange([cpu ? "label logits CPU µs/state" : "label logits µs/state", "label vjp:1 ×", "label full A=6 ×"]);
        var rows = new List<string[]>();
        foreach (var arch in result.Architectures)
        {
            var steps = result.Steps.Where(s => s.Architecture == arch.Name).ToArray();
            var plain = steps.FirstOrDefault(s => s.Group == CostModeGroup.Plain && s.Actions == CostMode.DefaultActions);
            var row = new List<string> { arch.Name, arch.Parameters.ToString("N0", CultureInfo.InvariantCulture), plain is null ? "-" : F(cpu ? plain.Cost.CpuMs : plain.Cost.WallMs) };
            row.AddRange(modes.Select(m => steps.FirstOrDefault(s => s.Mode == m) is { } s ? F(cpu ? s.CpuRatio : s.WallRatio) : "-"));
            if (labels)
            {
                var l = result.Labels.Where(x => x.Architecture == arch.Name).ToArray();
                row.Add(l.FirstOrDefault(x => x.Mode == "none") is { } none ? F((cpu ? none.CpuMsPerState : none.WallMsPerState) * 1000) : "-");
                row.Add(l.FirstOrDefault(x => x.Mode == "vjp:1") is { } v ? F(cpu ? v.CpuRatio : v.WallRatio) : "-");
                row.Add(l.FirstOrDefault(x => x.Mode == "full A=6") is { } f ? F(cpu ? f.CpuRatio : f.WallRatio) : "-");
            }
            rows.Add(row.ToArray());
        }
        return (headers.ToArray(), rows);
    }

    /// <summary>Every training-step row: mode, derivatives, form, ms, CPU ms, MiB and the three ratios.</summary>
    public static (string[] Headers, List<string[]> Rows) StepTable(SobolevCostResult result) =>
        (["architecture", "mode", "derivatives", "form", "wall ms", "CPU ms", "peak MiB", "wall ×", "CPU ×", "memory ×", "steps"],
         result.Steps.Select(s => new[]
         {
             s.Architecture, s.Mode, s.Derivatives, s.Form, F(s.Cost.WallMs), F(s.Cost.CpuMs), Mib(s.Cost.PeakBytes), F(s.WallRatio), F(s.CpuRatio),
             s.MemoryRatio is { } m ? F(m) : "-", s.Cost.Calls.ToString(CultureInfo.InvariantCulture),
         }).ToList());

    /// <summary>Every labelling row: µs per state, CPU µs per state, MiB per call and the ratios to logits only.</summary>
    public static (string[] Headers, List<string[]> Rows) LabelTable(SobolevCostResult result) =>
        (["architecture", "labels", "wall µs/state", "CPU µs/state", "peak MiB (batch)", "wall ×", "CPU ×", "memory ×"],
         result.Labels.Select(l => new[]
         {
             l.Architecture, l.Mode, F(l.WallMsPerState * 1000), F(l.CpuMsPerState * 1000), Mib(l.PeakBytes), F(l.WallRatio), F(l.CpuRatio),
             l.MemoryRatio is { } m ? F(m) : "-",
         }).ToList());

    /// <summary>Writes report.md and the plots into <paramref name="directory"/>; returns the report's path.</summary>
    public static string Write(SobolevCostResult result, string directory)
    {
        WritePlots(result, directory);
        var md = new StringBuilder();
        md.AppendLine("# What Sobolev training costs").AppendLine();
        md.AppendLine(Inv($"{result.Threads} libtorch threads, {result.Shards} batch shards, batch {result.Batch} (labelling {result.LabelBatch}), budget {result.BudgetSeconds:F0} s, took {result.Seconds:F0} s; load average {result.LoadAverageBefore} → {result.LoadAverageAfter}."));
        md.AppendLine("Ratios are to the plain step (value loss only) of the same network, measured in the same run; wall times are medians, CPU is the process's user + system time per step.").AppendLine();
        md.AppendLine("## Architectures").AppendLine();
        var archTable = new MarkdownTable("name", "input", "parameters (A = 6)", "exact term by", "layers");
        foreach (var a in result.Architectures)
            archTable.Row(a.Name, string.Join("×", a.ObservationShape), a.Parameters.ToString("N0", CultureInfo.InvariantCulture),
                a.ExplicitGradients ? "explicit input-gradient ops" : "autograd double backward", a.Description);
        md.AppendLine(archTable.ToString());
        md.AppendLine("## Summary (wall time of the step over the plain step)").AppendLine();
        md.AppendLine(Markdown(Summary(result)));
        md.AppendLine("## Summary (CPU time of the step over the plain step's; less disturbed by other processes)").AppendLine();
        md.AppendLine(Markdown(Summary(result, cpu: true)));
        md.AppendLine("## Every training-step mode").AppendLine();
        md.AppendLine(Markdown(StepTable(result)));
        if (result.Labels.Count > 0)
        {
            md.AppendLine("## Teacher labelling, per state").AppendLine();
            md.AppendLine("Ratios are to labelling logits only (no gradients) with the same network at A = 6.").AppendLine();
            md.AppendLine(Markdown(LabelTable(result)));
        }
        md.AppendLine("## Plots").AppendLine();
        foreach (string plot in Plots.Where(p => File.Exists(Path.Combine(directory, p)))) md.AppendLine($"![{plot}]({plot})");
        string path = Path.Combine(directory, RunDirectory.ReportFile);
        RunDirectory.WriteAtomic(path, md.ToString());
        return path;
    }

    private static void WritePlots(SobolevCostResult result, string directory)
    {
        var names = result.Architectures.Select(a => a.Name).ToArray();
        PlotSeries[] Series(IEnumerable<(string Arch, double X, double Y)> points) =>
            names.Select(n => points.Where(p => p.Arch == n && double.IsFinite(p.Y)).OrderBy(p => p.X).ToArray())
                .Where(p => p.Length > 0)
                .Select(p => new PlotSeries(p[0].Arch, p.Select(q => q.X).ToArray(), p.Select(q => q.Y).ToArray())).ToArray();
        void Save(string file, string title, string x, string y, PlotSeries[] series, bool logX)
        {
            if (series.Length > 0) LinePlot.Save(Path.Combine(directory, file), title, x, y, series, logY: true, logX: logX);
        }
        var vjp = result.Steps.Where(s => s.Group == CostModeGroup.Vjp).ToArray();
        var full = result.Steps.Where(s => s.Group == CostModeGroup.Full).ToArray();
        Save("cost_vs_k.png", "Sobolev step cost vs projections K (vjp:K, A = 6)", "K", "wall time / plain step",
            Series(vjp.Select(s => (s.Architecture, (double)s.Projections!.Value, s.WallRatio))), logX: true);
        Save("cost_vs_actions.png", "Sobolev step cost vs actions A (full Jacobian)", "A", "wall time / plain step",
            Series(full.Select(s => (s.Architecture, (double)s.Actions, s.WallRatio))), logX: true);
        Save("memory_vs_k.png", "Peak memory vs projections K (vjp:K, A = 6)", "K", "peak memory / plain step",
            Series(vjp.Select(s => (s.Architecture, (double)s.Projections!.Value, s.MemoryRatio ?? double.NaN))), logX: true);
        Save("label_cost_vs_k.png", "Labelling cost per state vs projections K (vjp:K, A = 6)", "K", "wall time / logits only",
            Series(result.Labels.Where(l => l.Mode.StartsWith("vjp:", StringComparison.Ordinal))
                .Select(l => (l.Architecture, double.Parse(l.Mode[4..], CultureInfo.InvariantCulture), l.WallRatio))), logX: true);
        Save("label_cost_vs_actions.png", "Labelling cost per state vs actions A (full Jacobian)", "A", "wall time / logits only",
            Series(result.Labels.Where(l => l.Mode.StartsWith("full", StringComparison.Ordinal)).Select(l => (l.Architecture, (double)l.Actions, l.WallRatio))), logX: true);
    }

    private static string Markdown((string[] Headers, List<string[]> Rows) table)
    {
        var t = new MarkdownTable(table.Headers);
        foreach (var r in table.Rows) t.Row(r);
        return t.ToString();
    }

    private static string F(double v) => v.ToString(Math.Abs(v) >= 100 ? "F0" : Math.Abs(v) >= 10 ? "F1" : "F2", CultureInfo.InvariantCulture);

    private static string Mib(long? bytes) => bytes is { } b ? (b / 1048576.0).ToString("F1", CultureInfo.InvariantCulture) : "-";

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
