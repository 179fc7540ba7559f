using SobolevRL.Runs;

namespace SobolevRL.Reporting;

/// <summary>What to report: distillation run directories (<c>runs</c>) into a report directory (<c>out</c>; null: a new one under <c>runs/</c>).</summary>
/// <param name="Runs">Distillation run directories.</param>
/// <param name="OutDir">Report directory, never overwritten.</param>
public sealed record ReportJobOptions(IReadOnlyList<string> Runs, string? OutDir);

/// <summary>The library entry point of <c>sobolevrl report</c>: checks the runs exist, then writes <see cref="DistillationReport"/> into a new directory.</summary>
public static class ReportJob
{
    /// <summary>Writes the report; returns the path of its Markdown file.</summary>
    public static string Run(ReportJobOptions job)
    {
        foreach (string r in job.Runs)
            if (!Directory.Exists(r)) throw new UserErrorException($"run directory '{r}' does not exist");
        var dir = RunDirectory.Create("report", job.OutDir);
        return DistillationReport.Write(job.Runs, dir.Path);
    }
}
