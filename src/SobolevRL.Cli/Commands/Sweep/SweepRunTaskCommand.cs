using SobolevRL.Sweeps;

namespace SobolevRL.Cli.Commands.Sweep;

/// <summary><c>sobolevrl sweep run-task DIR ID</c> (internal): runs one run of a sweep; what executors start.</summary>
public sealed class SweepRunTaskCommand : Command<SweepRunTaskCommand.Settings>
{
    /// <summary>Options of <c>sweep run-task</c>.</summary>
    public sealed class Settings : DeviceSettings
    {
        /// <summary>Sweep directory.</summary>
        [CommandArgument(0, "<DIR>"), Description("Sweep directory.")]
        public string Dir { get; init; } = "";

        /// <summary>Run id.</summary>
        [CommandArgument(1, "<ID>"), Description("Run id (runs/ID).")]
        public string Id { get; init; } = "";
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var sweep = SweepDirectory.Open(settings.Dir);
        int threads = settings.Threads > 0 ? settings.Threads : 1;
        return SweepTask.Run(sweep, settings.Id, threads, settings.Device, Output.Log, cancellationToken);
    }
}
