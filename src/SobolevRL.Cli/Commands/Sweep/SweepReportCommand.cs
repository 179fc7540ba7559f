using SobolevRL.Sweeps;

namespace SobolevRL.Cli.Commands.Sweep;

/// <summary><c>sobolevrl sweep report DIR</c>: tables per metric over the swept keys (mean ± 95% CI across seeds), CSV, JSON and plots.</summary>
public sealed class SweepReportCommand : Command<SweepReportCommand.Settings>
{
    /// <summary>Options of <c>sweep report</c>.</summary>
    public sealed class Settings : MeasureSettings
    {
        /// <summary>Sweep directory.</summary>
        [CommandArgument(0, "<DIR>"), Description("Sweep directory.")]
        public string Dir { get; init; } = "";

        /// <summary>Report directory.</summary>
        [CommandOption("--out <DIR>"), Description("Report directory (default: DIR/report, rewritten from the runs each time).")]
        public string? Out { get; init; }

        /// <summary>Swept keys to choose on validation.</summary>
        [CommandOption("--tune <KEYS>"), Description("Comma-separated swept keys whose values are chosen per seed by validation KL, e.g. loss.weight or loss.sobolev,loss.weight (default: the sweep file's tune).")]
        public string? Tune { get; init; }
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var sweep = SweepDirectory.Open(settings.Dir);
        var tune = settings.Tune?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var (cells, tuned, report) = SweepReport.Write(sweep, settings.Out, tune);
        if (settings.Json) Output.Json(new { report, cells, tuned });
        else
        {
            Console.Out.Write(File.ReadAllText(report));
            Output.Log($"report: {report}");
        }
        return 0;
    }
}
