using SobolevRL.Config;
using SobolevRL.Experiments;
using SobolevRL.Runs;

namespace SobolevRL.Cli.Commands.Experiment;

/// <summary>
/// <c>sobolevrl experiment data-efficiency</c>: paper experiment 2, Regular vs Sobolev students distilled from growing
/// fractions of one recorded dataset; held-out action-prediction error and KL, episode returns; table and plots.
/// </summary>
public sealed class DataEfficiencyCommand : Command<DataEfficiencyCommand.Settings>
{
    /// <summary>Options of <c>experiment data-efficiency</c>; each flag sets one config key.</summary>
    public sealed class Settings : ShardedExperimentSettings
    {
        /// <summary>Environment.</summary>
        [CommandOption("--env <ID>"), Description("Environment id (config key data.env).")]
        public string? Env { get; init; }

        /// <summary>Teacher.</summary>
        [CommandOption("--teacher <FILE>"), Description("Teacher .onnx (config key data.teacher).")]
        public string? Teacher { get; init; }

        /// <summary>States to record.</summary>
        [CommandOption("--states <N>"), Description("States recorded with the teacher, training + held-out (config key data.states).")]
        public long? States { get; init; }

        /// <summary>Fractions.</summary>
        [CommandOption("--fractions <LIST>"), Description("Comma-separated percentages of the training split to train on (config key fractions), e.g. 1,2,5,10,100.")]
        public string? Fractions { get; init; }

        /// <summary>Episodes.</summary>
        [CommandOption("--episodes <N>"), Description("Evaluation episodes per student and for the teacher (config key episodes).")]
        public int? Episodes { get; init; }

        /// <summary>λ grid.</summary>
        [CommandOption("--lambda-grid <LIST>"), Description("Comma-separated λ grid chosen per fraction and seed by validation KL, 0 always included (config key lambda_grid), e.g. 0.01,0.1,1.")]
        public string? LambdaGrid { get; init; }

        /// <summary>Budget.</summary>
        [CommandOption("--budget <KIND>"), Description("equal-steps (default): every student the same steps; equal-time / equal-cpu: Regular trains for as long (wall time / CPU time) as its Sobolev pair took, with a form grid as an extra Regular student timed by the longest chosen form (config key budget).")]
        public string? Budget { get; init; }

        /// <summary>Run the default plan.</summary>
        [CommandOption("--yes"), Description("Run even when only defaults define the job (without --states or --config it refuses and prints its plan).")]
        public bool Yes { get; init; }
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = TorchSetup.Apply(settings);
        var overrides = settings.Overrides(("data.env", settings.Env), ("data.teacher", settings.Teacher), ("data.states", settings.States),
            ("fractions", RunSettings.List(settings.Fractions)), ("seeds", settings.Seeds), ("distill.optim.steps", settings.Steps),
            ("episodes", settings.Episodes), ("lambda_grid", RunSettings.List(settings.LambdaGrid)), ("budget", settings.Budget?.Replace('-', '_')));
        var options = ConfigLoader.Load<DataEfficiencyOptions>(settings.ConfigFile, overrides);
        options.Validate("");
        var shard = settings.Part();
        LongJob.Confirm("experiment data-efficiency", JobPlans.DataEfficiency(options).ToString(),
            settings.States != null || settings.Config != null || settings.Resume, settings.Yes, "--states", settings.Json);
        ShippedAgents.Resolve(options.Data.Teacher);
        var run = settings.StartPart("data-efficiency", options, shard, cancellationToken);
        var result = CliProgress.Run(progress => DataEfficiencyExperiment.Run(options, run.Path, device, progress, cancellationToken, Output.Log, shard), plain: settings.Json);
        if (result is null) return ShardedExperimentSettings.PartDone(shard!, run);
        if (settings.Json)
        {
            Output.Json(result);
            return 0;
        }
        string F(double v) => double.IsNaN(v) ? "–" : v.ToString("G3", CultureInfo.InvariantCulture);
        var rows = result.Rows.GroupBy(r => (r.Percent, r.Mode)).OrderBy(g => g.Key.Percent).ThenBy(g => g.Key.Mode, StringComparer.Ordinal)
            .Select(g => new[] { F(g.Key.Percent), g.First().TrainStates.ToString(CultureInfo.InvariantCulture), g.Key.Mode, F(100 * g.Average(r => r.ActionError)), F(g.Average(r => r.Kl)), F(g.Average(r => r.ReturnMean)) });
        Output.Table($"data efficiency: {result.Env}, held-out {result.HeldOutStates} states, means over seeds", ["% of training states", "states", "mode", "action error %", "KL", "return"], rows);
        if (result.TeacherReturns is { } t) Output.Log(string.Create(CultureInfo.InvariantCulture, $"teacher return {F(t.Mean)} ({result.Protocol})"));
        Output.Log($"report: {run.File(RunDirectory.ReportFile)}");
        return 0;
    }
}
