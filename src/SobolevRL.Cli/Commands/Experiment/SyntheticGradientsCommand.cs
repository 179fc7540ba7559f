using SobolevRL.Config;
using SobolevRL.Runs;
using SobolevRL.SyntheticGradients;

namespace SobolevRL.Cli.Commands.Experiment;

/// <summary>
/// <c>sobolevrl experiment synthetic-gradients</c>: paper experiment 3, a Fashion-MNIST classifier decoupled at a cut,
/// its lower module trained by backprop, a DNI synthetic-gradient module, a critic or a Sobolev critic; test accuracy
/// against steps, cost per step; table and plots.
/// </summary>
public sealed class SyntheticGradientsCommand : Command<SyntheticGradientsCommand.Settings>
{
    /// <summary>Options of <c>experiment synthetic-gradients</c>; each flag sets one config key.</summary>
    public sealed class Settings : ExperimentSettings
    {
        /// <summary>Kinds of cut.</summary>
        [CommandOption("--kinds <LIST>"), Description("Comma-separated kinds of cut (config key kinds): backprop, sg, critic, sobolev-critic.")]
        public string? Kinds { get; init; }

        /// <summary>Cut positions.</summary>
        [CommandOption("--cuts <LIST>"), Description("Comma-separated single cut positions 1..3, after that conv block (config key cuts); the three-module chain is three_module_cuts (default [1, 2]).")]
        public string? Cuts { get; init; }

        /// <summary>Data directory.</summary>
        [CommandOption("--data-dir <DIR>"), Description("Directory of the Fashion-MNIST IDX files (config key data_dir; default: where Debian's dataset-fashion-mnist puts them).")]
        public string? DataDir { get; init; }
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = TorchSetup.Apply(settings);
        var overrides = settings.Overrides(("kinds", RunSettings.List(settings.Kinds)), ("cuts", RunSettings.List(settings.Cuts)),
            ("seeds", settings.Seeds), ("steps", settings.Steps), ("data_dir", settings.DataDir));
        var options = ConfigLoader.Load<SyntheticGradientOptions>(settings.ConfigFile, overrides);
        options.Validate("");
        if (FashionMnist.MissingReason(options.DataDir) is { } missing) throw new UserErrorException(missing);
        var run = settings.StartRun("synthetic-gradients", options, "experiment");
        var result = CliProgress.Run(progress => SyntheticGradientExperiment.Run(options, run.Path, device, progress, cancellationToken), plain: settings.Json);
        if (settings.Json)
        {
            Output.Json(result);
            return 0;
        }
        static string F(double v, string format) => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "–";
        var rows = result.Summary.Select(s => new[]
        {
            s.Split, s.Kind, F(s.Accuracy, "F2"), $"[{F(s.CiLow, "F2")}, {F(s.CiHigh, "F2")}]", F(1000 * s.CpuSecondsPerStep, "F1"),
            s.GradientCosines.Length == 0 ? "–" : string.Join(" / ", s.GradientCosines.Select(c => F(c, "F3"))),
        });
        Output.Table($"synthetic gradients: final test accuracy over {options.Seeds} seeds", ["cut", "kind", "test accuracy %", "95% CI", "CPU ms / step", "cos(synthetic, true)"], rows);
        Output.Log($"report: {run.File(RunDirectory.ReportFile)}");
        return 0;
    }
}
