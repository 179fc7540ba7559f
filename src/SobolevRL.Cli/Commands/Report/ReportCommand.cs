using SobolevRL.Reporting;

namespace SobolevRL.Cli.Commands.Report;

/// <summary><c>sobolevrl report</c>: Markdown report with learning curves and final figures of distillation runs.</summary>
public sealed class ReportCommand : Command<ReportCommand.Settings>
{
    /// <summary>Folder inside the one run given where its report goes when no <c>--out</c> is given.</summary>
    public const string DefaultFolder = ReportJob.DefaultFolder;

    /// <summary>Options of <c>report</c>.</summary>
    public sealed class Settings : CommonSettings
    {
        /// <summary>Run directories.</summary>
        [CommandArgument(0, "<RUN>"), Description("Distillation run directories (Regular and Sobolev runs that differ only in the Sobolev term are compared side by side).")]
        public string[] Runs { get; init; } = [];

        /// <summary>Output directory.</summary>
        [CommandOption("--out <DIR>"), Description("Report directory (default: RUN/report/ for one RUN, rewritten on every call; runs/report-<timestamp>/ for several). A given --out is never overwritten.")]
        public string? Out { get; init; }
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        string path = ReportJob.Run(new ReportJobOptions(settings.Runs, settings.Out));
        Output.Log($"report: {path}");
        return 0;
    }
}
