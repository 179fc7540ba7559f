using System.ComponentModel;
using SobolevRL.Cli.Infrastructure;
using SobolevRL.Reporting;
using SobolevRL.Runs;
using Spectre.Console.Cli;

namespace SobolevRL.Cli.Commands.Report;

/// <summary><c>sobolevrl report</c>: Markdown report with learning curves and final figures of distillation runs.</summary>
public sealed class ReportCommand : Command<ReportCommand.Settings>
{
    /// <summary>Options of <c>report</c>.</summary>
    public sealed class Settings : CommonSettings
    {
        /// <summary>Run directories.</summary>
        [CommandArgument(0, "<RUN>")]
        [Description("Distillation run directories (Regular and Sobolev runs that differ only in the Sobolev term are compared side by side).")]
        public string[] Runs { get; init; } = [];

        /// <summary>Output directory.</summary>
        [CommandOption("--out <DIR>")]
        [Description("Report directory (default: runs/report-<timestamp>/). Never overwritten.")]
        public string? Out { get; init; }
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        foreach (string r in settings.Runs)
            if (!Directory.Exists(r)) throw new UserErrorException($"run directory '{r}' does not exist");
        var dir = RunDirectory.Create("report", settings.Out);
        using var writing = dir.LockForWriting();
        string path = DistillationReport.Write(settings.Runs, dir.Path);
        Output.Log($"report: {path}");
        return 0;
    }
}
