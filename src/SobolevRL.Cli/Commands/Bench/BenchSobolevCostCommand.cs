using SobolevRL.Bench;

namespace SobolevRL.Cli.Commands.Bench;

/// <summary>
/// <c>sobolevrl bench sobolev-cost</c>: what the Sobolev term costs per training step (wall time, CPU time, peak memory as
/// ratios to the plain step of the same network) over architectures and derivative modes, and labelling per state per mode.
/// </summary>
public sealed class BenchSobolevCostCommand : Command<BenchSobolevCostCommand.Settings>
{
    /// <summary>Options of <c>bench sobolev-cost</c>.</summary>
    public sealed class Settings : DeviceSettings
    {
        /// <summary>Architectures.</summary>
        [CommandOption("--archs <LIST>"), Description("Architectures, comma-separated: mlp, minatar, attention, nature-half, nature, impala (default: all).")]
        public string? Archs { get; init; }

        /// <summary>Mode groups.</summary>
        [CommandOption("--modes <LIST>"), Description("Mode groups, comma-separated: full (A = 3, 6, 18), vjp (K = 1, 2, 4, 8), fd (finite differences, M = 1, 4), autograd (double backward where explicit ops apply), form (each loss.derivative_form), or all (default). The plain step is always measured."), DefaultValue("all")]
        public string Modes { get; init; } = "all";

        /// <summary>Training batch.</summary>
        [CommandOption("--batch <N>"), Description("States per training step (at most 64)."), DefaultValue(32)]
        public int Batch { get; init; } = 32;

        /// <summary>Labelling batch.</summary>
        [CommandOption("--label-batch <N>"), Description("States per labelling call (at most 64)."), DefaultValue(64)]
        public int LabelBatch { get; init; } = 64;

        /// <summary>Skip labelling.</summary>
        [CommandOption("--no-labelling"), Description("Do not measure the teacher's labelling.")]
        public bool NoLabelling { get; init; }

        /// <summary>Time budget.</summary>
        [CommandOption("--budget <SECONDS>"), Description("Seconds for all measurements together, shared equally among what is left (each still gets 1 warm-up and --min-steps timed calls). 540 fits the whole run in about 10 minutes on 2 quiet cores."), DefaultValue(540.0)]
        public double Budget { get; init; } = 540;

        /// <summary>Timed calls at least.</summary>
        [CommandOption("--min-steps <N>"), Description("Timed calls per measurement at least."), DefaultValue(3)]
        public int MinSteps { get; init; } = 3;

        /// <summary>Batch shards.</summary>
        [CommandOption("--shards <N>"), Description("Batch shards computed at once, one libtorch thread each (the trainer's optim.shards; 0: one per libtorch thread; 1: libtorch's intra-op threads)."), DefaultValue(0)]
        public int Shards { get; init; }

        /// <summary>Run directory.</summary>
        [CommandOption("--out <DIR>"), Description("Run directory for summary.json, report.md and the plots (default runs/bench-sobolev-cost-<timestamp>).")]
        public string? Out { get; init; }
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var options = new SobolevCostOptions
        {
            Archs = settings.Archs is null ? new SobolevCostOptions().Archs : settings.Archs.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Modes = CostMode.ParseGroups(settings.Modes, "modes"),
            Batch = settings.Batch,
            LabelBatch = settings.LabelBatch,
            Labelling = !settings.NoLabelling,
            Budget = settings.Budget,
            MinSteps = settings.MinSteps,
            Shards = settings.Shards,
            Out = settings.Out,
        };
        options.Validate();
        options = options with { Device = TorchSetup.Apply(settings) };
        var result = SobolevCostJob.Run(options, Output.Log);
        if (settings.Json)
        {
            Output.Json(result);
            return 0;
        }
        string title = $"bench sobolev-cost ({result.Threads} threads, {result.Shards} shards, batch {result.Batch}; {result.Seconds:F0} s; load {result.LoadAverageBefore} -> {result.LoadAverageAfter})";
        var (headers, rows) = SobolevCostReport.Summary(result);
        Output.Table(title + ": wall time over the plain step", headers, rows);
        (headers, rows) = SobolevCostReport.Summary(result, cpu: true);
        Output.Table("CPU time over the plain step's", headers, rows);
        (headers, rows) = SobolevCostReport.StepTable(result);
        Output.Table("every training-step mode", headers, rows);
        if (result.Labels.Count > 0)
        {
            (headers, rows) = SobolevCostReport.LabelTable(result);
            Output.Table("teacher labelling per state (ratios to logits only)", headers, rows);
        }
        Output.Log($"report: {Path.Combine(result.Directory, "report.md")}");
        return 0;
    }
}
