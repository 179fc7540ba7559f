using SobolevRL.Config;
using SobolevRL.Distillation;
using SobolevRL.IO;
using SobolevRL.Runs;
using SobolevRL.Sobolev;

namespace SobolevRL.Cli.Commands.Distill;

/// <summary><c>sobolevrl distill</c>: trains a student on a labelled dataset (value loss + λ · Sobolev loss).</summary>
public sealed class DistillCommand : Command<DistillCommand.Settings>
{
    /// <summary>Options of <c>distill</c>.</summary>
    public sealed class Settings : RunSettings
    {
        /// <summary>Dataset.</summary>
        [CommandOption("--data <DIR>"), Description("Labelled dataset: a directory written by 'collect', or smoke:ENV,STATES,LABELS (small in-memory set labelled by a random MinAtar teacher); several games as GAME=SOURCE,GAME=SOURCE,... (one multi-game student, game-balanced batches, games.weights, games.head).")]
        public string Data { get; init; } = "";

        /// <summary>Student architecture (overrides the config key student).</summary>
        [CommandOption("--student <ARCH>"), Description("Student: nature:W, minatar:C,H or mlp:H1,H2,... (sets config key 'student').")]
        public string? Student { get; init; }

        /// <summary>Train on the intact shards of a damaged dataset.</summary>
        [CommandOption("--allow-damaged"), Description("Train on the intact shards when some shards of --data are damaged (default: refuse and list them).")]
        public bool AllowDamaged { get; init; }

        /// <summary>Teacher file for the compression ratio.</summary>
        [CommandOption("--teacher <FILE>"), Description("Teacher .onnx, to record its parameter count and the compression ratio.")]
        public string? Teacher { get; init; }

        /// <summary>Fraction of the training episodes used.</summary>
        [CommandOption("--train-fraction <F>"), Description("Train on this fraction of the dataset's training episodes (whole episodes in a fixed order: smaller fractions are subsets of larger ones, as in 'experiment data-efficiency').")]
        public double TrainFraction { get; init; } = 1.0;

        /// <summary>Validation fraction (overrides the config key validation.fraction).</summary>
        [CommandOption("--validation <FRACTION>"), Description("Fraction of the training episodes held out for validation: early stopping and the best snapshot by validation KL (0: none, the last snapshot; sets config key 'validation.fraction', default 0.1).")]
        public string? Validation { get; init; }

        /// <summary>λ grid of a search chosen by validation KL.</summary>
        [CommandOption("--lambda-search <GRID>"), Description("Train one student per λ (comma-separated, 0 always added; 'default' = 0,0.01,0.03,0.1,0.3,1,3) into OUT/lambda-λ and keep the λ of lowest validation KL.")]
        public string? LambdaSearch { get; init; }
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = TorchSetup.Apply(settings);
        var overrides = settings.Overrides(("student", settings.Student), ("validation.fraction", settings.Validation));
        var job = new DistillJobOptions
        {
            ConfigFile = settings.Config,
            Overrides = overrides,
            Data = settings.Data,
            OutDir = settings.Out,
            Start = settings.Resume ? DistillStart.Resume : DistillStart.New,
            TeacherPath = settings.Teacher,
            TrainFraction = settings.TrainFraction,
            AllowDamaged = settings.AllowDamaged,
            Device = device,
        };
        bool multiGame = Replay.MultiGameDataset.IsMultiGame(settings.Data);
        if (settings.LambdaSearch != null)
        {
            var grid = Experiments.LambdaSearch.ParseGrid(settings.LambdaSearch, "--lambda-search");
            return multiGame
                ? Search(progress => Experiments.LambdaSearch.RunMultiGame(job, grid, progress, cancellationToken, Output.Log), settings.Json,
                    s => s, s => string.Join(", ", s.Games.Select(g => $"{g.Game} {g.HeldOutKl.ToString("G4", CultureInfo.InvariantCulture)}")))
                : Search(progress => Experiments.LambdaSearch.Run(job, grid, progress, cancellationToken, Output.Log), settings.Json,
                    s => s.Distill, s => s.Distill.HeldOutKl.ToString("G4", CultureInfo.InvariantCulture));
        }
        if (multiGame) return MultiGame(job, settings.Json, cancellationToken);
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
            ["epochs", F(summary.Epochs)],
            ["chosen step (validation)", summary.ChosenStep.ToString(CultureInfo.InvariantCulture)],
            ["validation KL", F(summary.ValidationKl)],
            ["student parameters", summary.StudentParameters.ToString(CultureInfo.InvariantCulture)],
            ["compression ratio", double.IsNaN(summary.CompressionRatio) ? "- (give --teacher FILE to compare sizes)" : F(summary.CompressionRatio)],
            ["held-out KL", F(summary.HeldOutKl)],
            ["held-out agreement", F(summary.HeldOutAgreement)],
            ["held-out gradient error", F(summary.HeldOutGradientError)],
            ["onnx max |diff|", F(summary.OnnxMaxAbsDiff)],
            ["train seconds", F(summary.TrainSeconds)],
            ["train CPU seconds", F(summary.CpuSeconds)],
        ]);
        Output.Log($"run: {run.Path}");
        return 0;
    }

    private static int MultiGame(DistillJobOptions job, bool json, CancellationToken cancel)
    {
        var (run, summary, _) = CliProgress.Run(progress => MultiGameDistillJob.Run(job, progress, cancel, Output.Log), plain: json);
        if (json)
        {
            Output.Json(new { run = run.Path, summary });
            return 0;
        }
        string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
        Output.Table($"distill {summary.Games.Count} games, {summary.Student} ({summary.Head} heads, {summary.StudentParameters} parameters), sobolev {summary.Sobolev}",
            ["game", "env", "actions", "head", "rows/batch", "train states", "held-out KL", "agreement", "gradient error", "onnx"],
            [.. summary.Games.Select(g => new[]
            {
                g.Game, g.Env, g.Actions.ToString(CultureInfo.InvariantCulture), g.Head.ToString(CultureInfo.InvariantCulture),
                g.BatchRows.ToString(CultureInfo.InvariantCulture), g.TrainStates.ToString(CultureInfo.InvariantCulture),
                F(g.HeldOutKl), F(g.HeldOutAgreement), F(g.HeldOutGradientError), Path.GetFileName(g.OnnxPath),
            })]);
        if (summary.HeldOutGames is { Count: > 0 } heldOut)
            Output.Table($"held-out games, zero-shot (step {summary.ChosenStep}; every snapshot in eval-held-out-GAME.csv)",
                ["game", "env", "return (mean [95% CI])", "held-out KL", "agreement", "gradient error"],
                [.. heldOut.Select(h => new[]
                {
                    h.Game, h.Env, h.Returns is { } r ? $"{F(r.Mean)} [{F(r.CiLow)}, {F(r.CiHigh)}]" : "–",
                    h.Metrics is { } m ? F(m.Kl) : "–", h.Metrics is { } a ? F(a.Agreement) : "–", h.Metrics is { } e ? F(e.GradientRelativeError) : "–",
                })]);
        Output.Log($"steps {summary.Steps}, train seconds {F(summary.TrainSeconds)}; run: {run.Path}");
        return 0;
    }

    // The table of a λ search of either kind (one game or several): each trial's summary and its held-out KL(s).
    private static int Search<T>(Func<IProgress<ProgressInfo>, (RunDirectory Run, Experiments.LambdaSearchResult<T> Result)> search, bool json,
        Func<T, IDistillSummary> summaryOf, Func<T, string> heldOutKl)
    {
        var (run, result) = CliProgress.Run(search, plain: json);
        var options = ConfigLoader.Load<DistillOptions>(run.File(RunDirectory.ConfigFile), []);
        if (json)
        {
            Output.Json(new { run = run.Path, result });
            return 0;
        }
        string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
        Output.Table($"λ search, {options.Student}, sobolev {options.Loss.Sobolev} ({options.Loss.DerivativeForm.ToString().ToLowerInvariant()})",
            ["λ", "validation KL", "chosen step", "steps", "held-out KL", "train s", "CPU s", ""],
            [.. result.Trials.Select(t =>
            {
                var s = summaryOf(t.Student);
                return new[]
                {
                    F(t.Lambda), F(s.ValidationKl), s.ChosenStep.ToString(CultureInfo.InvariantCulture), s.Steps.ToString(CultureInfo.InvariantCulture),
                    heldOutKl(t.Student), F(s.TrainSeconds), F(s.CpuSeconds), ReferenceEquals(t, result.Chosen) ? "chosen" : "",
                };
            })]);
        var chosen = summaryOf(result.Chosen.Student);
        Output.Log($"chosen λ = {F(result.Chosen.Lambda)} (validation KL {F(chosen.ValidationKl)}, step {chosen.ChosenStep}); run: {Experiments.LambdaSearch.TrialDirectory(run.Path, result.Chosen.Lambda)}");
        return 0;
    }
}
