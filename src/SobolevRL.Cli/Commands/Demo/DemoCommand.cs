using SobolevRL.Config;
using SobolevRL.Experiments;
using SobolevRL.Runs;

namespace SobolevRL.Cli.Commands.Demo;

/// <summary>
/// <c>sobolevrl demo</c>: the main job end to end: the shipped MinAtar Breakout teacher → a labelled dataset → a Regular
/// and a Sobolev student → returns of all three, held-out KL and agreement → a report.
/// </summary>
public sealed class DemoCommand : Command<DemoCommand.Settings>
{
    /// <summary>Options of <c>demo</c>; every config key can be changed with <c>--set</c> (e.g. <c>--set states=20000</c>).</summary>
    public sealed class Settings : RunSettings
    {
        /// <summary>Teacher override.</summary>
        [CommandOption("--teacher <FILE>"), Description("Teacher .onnx (config key data.teacher; default: the shipped MinAtar Breakout teacher).")]
        public string? Teacher { get; init; }

        /// <summary>Environment override.</summary>
        [CommandOption("--env <ID>"), Description("Environment id of the teacher (config key data.env).")]
        public string? Env { get; init; }
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = TorchSetup.Apply(settings);
        var overrides = settings.Overrides(("data.teacher", settings.Teacher), ("data.env", settings.Env));
        var options = ConfigLoader.Load<DemoOptions>(settings.ConfigFile, overrides);
        ShippedAgents.Resolve(options.Data.Teacher); // a missing teacher is an error before the run directory exists
        var run = settings.StartRun("demo", options, "demo");
        var result = CliProgress.Run(progress => DemoPipeline.Run(options, run.Path, device, progress, cancellationToken), plain: settings.Json);
        if (settings.Json)
        {
            Output.Json(result);
            return 0;
        }
        Output.Table($"demo: {result.Env}, {result.TrainStates} training / {result.HeldOutStates} held-out states", DemoPipeline.Headers, DemoPipeline.Rows(result));
        if (DemoPipeline.ChoiceLine(result) is { } choice) Output.Log(choice);
        Output.Log($"returns: {result.Protocol}");
        Output.Log(string.Create(CultureInfo.InvariantCulture, $"wall time {result.Seconds["total"]:F0} s ({string.Join(", ", result.Seconds.Where(kv => kv.Key != "total").Select(kv => $"{kv.Key} {kv.Value:F0} s"))})"));
        Output.Log($"report: {result.Report}");
        return 0;
    }
}
