using System.ComponentModel;
using System.Globalization;
using SobolevRL.Cli.Infrastructure;
using SobolevRL.Distillation;
using Spectre.Console.Cli;

namespace SobolevRL.Cli.Commands.Distill;

/// <summary><c>sobolevrl distill</c>: trains a student on a labelled dataset (value loss + λ · Sobolev loss).</summary>
public sealed class DistillCommand : Command<DistillCommand.Settings>
{
    /// <summary>Options of <c>distill</c>.</summary>
    public sealed class Settings : RunSettings
    {
        /// <summary>Dataset.</summary>
        [CommandOption("--data <DIR>")]
        [Description("Labelled dataset: a directory written by 'collect', or smoke:ENV,STATES,LABELS (small in-memory set labelled by a random MinAtar teacher).")]
        public string Data { get; init; } = "";

        /// <summary>Student architecture (overrides the config key student).</summary>
        [CommandOption("--student <ARCH>")]
        [Description("Student: nature:W, minatar:C,H or mlp:H1,H2,... (sets config key 'student').")]
        public string? Student { get; init; }

        /// <summary>Continue a run.</summary>
        [CommandOption("--resume")]
        [Description("Continue the run in --out from its last checkpoint (same config; ends with the same weights on CPU).")]
        public bool Resume { get; init; }

        /// <summary>Teacher file for the compression ratio.</summary>
        [CommandOption("--teacher <FILE>")]
        [Description("Teacher .onnx, to record its parameter count and the compression ratio.")]
        public string? Teacher { get; init; }
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = TorchSetup.Apply(settings);
        var overrides = settings.Set.ToList();
        if (settings.Student != null) overrides.Add($"student={settings.Student}");
        var job = new DistillJobOptions
        {
            ConfigFile = settings.Config,
            Overrides = overrides,
            Data = settings.Data,
            OutDir = settings.Out,
            Start = settings.Resume ? DistillStart.Resume : DistillStart.New,
            TeacherPath = settings.Teacher,
            Device = device,
        };
        var (run, summary, _) = CliProgress.Run(progress => DistillJob.Run(job, progress, cancellationToken, Output.Log), plain: settings.Json);
        if (settings.Json)
        {
            Output.Json(new { run = run.Path, summary });
            return 0;
        }
        string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
        Output.Table($"distill {summary.Student}, sobolev {summary.Sobolev}", ["figure", "value"],
        [
            ["steps", summary.Steps.ToString(CultureInfo.InvariantCulture)],
            ["student parameters", summary.StudentParameters.ToString(CultureInfo.InvariantCulture)],
            ["compression ratio", F(summary.CompressionRatio)],
            ["held-out KL", F(summary.HeldOutKl)],
            ["held-out agreement", F(summary.HeldOutAgreement)],
            ["held-out gradient error", F(summary.HeldOutGradientError)],
            ["onnx max |diff|", F(summary.OnnxMaxAbsDiff)],
            ["train seconds", F(summary.TrainSeconds)],
        ]);
        Output.Log($"run: {run.Path}");
        return 0;
    }
}
