using SobolevRL.IO;
using SobolevRL.Runs;

namespace SobolevRL.Reporting;

/// <summary>What to report: distillation run directories (<c>runs</c>) into a report directory (<c>out</c>; null: a new one under <c>runs/</c>).</summary>
/// <param name="Runs">Distillation run directories.</param>
/// <param name="OutDir">Report directory, never overwritten.</param>
public sealed record ReportJobOptions(IReadOnlyList<string> Runs, string? OutDir);

/// <summary>
/// The library entry point of <c>sobolevrl report</c>: resolves the runs (a demo or experiment directory stands for the
/// runs inside it) before any directory is made, then writes <see cref="DistillationReport"/>: into
/// <c>RUN/</c><see cref="DefaultFolder"/> for one run without <c>out</c>, else into a new directory.
/// </summary>
public static class ReportJob
{
    /// <summary>Folder inside the one run given where its report goes when no <c>out</c> is given.</summary>
    public const string DefaultFolder = "report";

    /// <summary>Writes the report; returns the path of its Markdown file.</summary>
    public static string Run(ReportJobOptions job)
    {
        // Checked before any directory is made, so a wrong argument leaves nothing behind.
        var runs = DistillationReport.ResolveRuns(job.Runs);
        string dir = job.OutDir == null && job.Runs.Count == 1
            ? Directory.CreateDirectory(Path.Combine(job.Runs[0], DefaultFolder)).FullName
            : RunDirectory.Create("report", job.OutDir).Path;
        using var writing = FileLock.AcquireWriter(dir);
        return DistillationReport.Write(runs, dir);
    }
}
