using System.ComponentModel;
using System.Globalization;
using SobolevRL.Cli.Infrastructure;
using SobolevRL.Config;
using SobolevRL.Distillation;
using SobolevRL.IO;
using SobolevRL.Runs;
using SobolevRL.Teachers;
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

        /// <summary>Train on the intact shards of a damaged dataset.</summary>
        [CommandOption("--allow-damaged")]
        [Description("Train on the intact shards when some shards of --data are damaged (default: refuse and list them).")]
        public bool AllowDamaged { get; init; }

        /// <summary>Teacher file for the compression ratio.</summary>
        [CommandOption("--teacher <FILE>")]
        [Description("Teacher .onnx, to record its parameter count and the compression ratio.")]
        public string? Teacher { get; init; }
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Data.Length == 0) throw new UserErrorException("--data is required: a dataset directory or smoke:ENV,STATES,LABELS");
        var device = TorchSetup.Apply(settings);
        var overrides = settings.Set.ToList();
        if (settings.Student != null) overrides.Add($"student={settings.Student}");
        string? configFile = settings.Config;
        if (settings.Resume)
        {
            if (settings.Out is null) throw new UserErrorException("--resume needs --out naming the run directory to continue");
            if (Directory.Exists(settings.Out)) FileLock.ThrowIfWriterBusy(settings.Out);
            string saved = Path.Combine(settings.Out, RunDirectory.ConfigFile);
            if (configFile is null && File.Exists(saved)) configFile = saved;
        }
        var options = ConfigLoader.Load<DistillOptions>(configFile, overrides);
        using var data = DataSource.Open(settings.Data, settings.AllowDamaged);
        TeacherInfo? teacher = null;
        if (settings.Teacher != null)
        {
            using var loaded = TeacherLoader.Load(settings.Teacher, TorchSharp.torch.CPU);
            TeacherFit.Check(loaded, settings.Teacher, data.Summary);
            teacher = new TeacherInfo(settings.Teacher, loaded.Graph.ParameterCount);
        }
        DistillationLoss.CheckCompatible(options.Loss.SobolevMode(), data.Summary.Labels);
        using (StudentSpec.Parse(options.Student).Build(data.Summary.ObservationShape, data.Summary.Actions)) { } // shape errors before the run directory exists
        var run = RunDirectory.Create("distill", settings.Out, settings.Resume);
        using var writing = run.LockForWriting();
        var summary = CliProgress.Run(progress => DistillTrainer.Train(new DistillSetup(options, data, run, device, settings.Resume, teacher), progress, cancellationToken), plain: settings.Json);
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
