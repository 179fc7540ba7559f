using SobolevRL.Config;
using SobolevRL.Experiments;
using SobolevRL.Runs;

namespace SobolevRL.Cli.Commands.Experiment;

/// <summary>
/// <c>sobolevrl experiment multi-game</c>: multi-game vs single-game students, Regular vs Sobolev, on the shipped
/// teachers' games; every game scored, few-shot transfer to a held-out game; report, CSV tables and plots.
/// </summary>
public sealed class MultiGameCommand : Command<MultiGameCommand.Settings>
{
    /// <summary>Options of <c>experiment multi-game</c>; each flag sets one config key.</summary>
    public sealed class Settings : ShardedExperimentSettings
    {
        /// <summary>Training games.</summary>
        [CommandOption("--games <LIST>"), Description("Comma-separated training games, each with a teacher agents/minatar/GAME/policy.onnx (config key games).")]
        public string? Games { get; init; }

        /// <summary>Held-out game.</summary>
        [CommandOption("--held-out <GAME>"), Description("The game left out of training: zero-shot (shared heads) and few-shot transfer (config key held_out).")]
        public string? HeldOut { get; init; }

        /// <summary>Student specs.</summary>
        [CommandOption("--students <LIST>"), Description("Student specs of the multi-game students separated by ';', e.g. 'minatar:8,64;minatar:16,128'; the first is also the single-game and few-shot student (config key students).")]
        public string? Students { get; init; }

        /// <summary>States per game.</summary>
        [CommandOption("--states <N>"), Description("States recorded per game, training + held-out (config key states).")]
        public long? States { get; init; }

        /// <summary>λ grid chosen on validation.</summary>
        [CommandOption("--lambda-grid <LIST>"), Description("Comma-separated λ grid: each Sobolev student is the trial of lowest validation KL among these and 0 (config key lambda_grid; default none: distill.loss.weight), e.g. 0.1,1.")]
        public string? LambdaGrid { get; init; }

        /// <summary>Run the default plan.</summary>
        [CommandOption("--yes"), Description("Run even when only defaults define the job (without --games, --held-out or --config it refuses and prints its plan).")]
        public bool Yes { get; init; }

        /// <summary>Episodes.</summary>
        [CommandOption("--episodes <N>"), Description("Evaluation episodes per student and game, and per teacher (config key episodes).")]
        public int? Episodes { get; init; }
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = TorchSetup.Apply(settings);
        var overrides = settings.Overrides(("games", RunSettings.List(settings.Games)), ("held_out", settings.HeldOut), ("students", settings.Students),
            ("seeds", settings.Seeds), ("distill.optim.steps", settings.Steps), ("states", settings.States), ("episodes", settings.Episodes),
            ("lambda_grid", RunSettings.List(settings.LambdaGrid)));
        var options = ConfigLoader.Load<MultiGameExperimentOptions>(settings.ConfigFile, overrides);
        options.Validate("");
        options.ResolveTeachers();
        var shard = settings.Part();
        LongJob.Confirm("experiment multi-game", JobPlans.MultiGame(options).ToString(),
            settings.Games != null || settings.HeldOut != null || settings.Config != null || settings.Resume, settings.Yes, "--games, --held-out", settings.Json);
        var run = settings.StartPart("multi-game", options, shard, cancellationToken);
        var result = CliProgress.Run(progress => MultiGameExperiment.Run(options, run.Path, device, progress, cancellationToken, Output.Log, shard), plain: settings.Json);
        if (result is null) return ShardedExperimentSettings.PartDone(shard!, run);
        if (settings.Json)
        {
            Output.Json(result);
            return 0;
        }
        string F(double v) => double.IsNaN(v) ? "–" : v.ToString("G3", CultureInfo.InvariantCulture);
        var rows = result.Rows.Where(r => r.Kind is "multi" or "single").GroupBy(r => (r.Kind, r.Student, r.Loss, r.Game))
            .Select(g => new[] { g.Key.Kind, g.Key.Student, g.Key.Loss, g.Key.Game, F(g.Average(r => r.Kl)), F(g.Average(r => r.Agreement)), F(g.Average(r => r.PercentOfTeacher)) });
        Output.Table($"multi-game: held out {result.HeldOut}, means over seeds", ["kind", "student", "loss", "game", "KL", "agreement", "% of teacher"], rows);
        Output.Log($"report: {run.File(RunDirectory.ReportFile)}");
        return 0;
    }
}
