using System.Runtime.InteropServices;
using SobolevRL.Experiments;
using SobolevRL.Teachers;

namespace SobolevRL.Cli.Commands.Teacher;

/// <summary><c>sobolevrl teacher train</c>: trains a teacher policy with PPO, evaluates it and writes policy.onnx with its model card.</summary>
public sealed class TeacherTrainCommand : Command<TeacherTrainCommand.Settings>
{
    /// <summary>Options of <c>teacher train</c>; flags override the matching config keys.</summary>
    public sealed class Settings : RunSettings
    {
        /// <summary>Environment id (config key env).</summary>
        [CommandOption("--env <ID>"), Description("Environment id, e.g. MinAtar/Breakout-v1 (config key env).")]
        public string? Env { get; init; }

        /// <summary>Algorithm.</summary>
        [CommandOption("--algo <ALGO>"), Description("Training algorithm: ppo (actor-critic, logits) or dqn (Nature DQN, Q-values)."), DefaultValue("ppo")]
        public string Algo { get; init; } = "ppo";

        /// <summary>Frame budget (config key frames).</summary>
        [CommandOption("--frames <N>"), Description("Environment frames to train for, summed over envs (config key frames).")]
        public long? Frames { get; init; }

        /// <summary>Number of envs (config key num_envs).</summary>
        [CommandOption("--envs <N>"), Description("Parallel environments (config key num_envs).")]
        public int? Envs { get; init; }

        /// <summary>Seed (config key seed).</summary>
        [CommandOption("--seed <N>"), Description("Seed of weights, sampling and environments (config key seed).")]
        public long? Seed { get; init; }

        /// <summary>Run the default plan.</summary>
        [CommandOption("--yes"), Description("Run even when only defaults define the job (without --frames or --config it refuses and prints its plan).")]
        public bool Yes { get; init; }
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = TorchSetup.Apply(settings);
        var overrides = settings.Overrides(("env", settings.Env), ("frames", settings.Frames), ("num_envs", settings.Envs), ("seed", settings.Seed));
        var job = new TeacherTrainJobOptions
        {
            ConfigFile = settings.Config,
            Overrides = overrides,
            Algorithm = settings.Algo,
            OutDir = settings.Out,
            Resume = settings.Resume,
            Invocation = "sobolevrl " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)),
            ConfirmPlan = o => LongJob.Confirm("teacher train", JobPlans.TeacherTrain(o).ToString(),
                settings.Frames != null || settings.Config != null || settings.Resume, settings.Yes, "--frames", settings.Json),
            Device = device,
        };

        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
            Output.Log("stopping after this update; a checkpoint is saved (continue with --resume)");
        };
        Console.CancelKeyPress += onCancel;
        // SIGTERM (kill, job schedulers) also stops after the update with a checkpoint, instead of losing the work since the last one.
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
        {
            signal.Cancel = true;
            cancel.Cancel();
        });
        TeacherTrainJobResult result;
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel.Token, cancellationToken);
            result = CliProgress.Run(p => TeacherTrainJob.Run(job, p, linked.Token, run =>
            {
                if (!settings.Json) Output.Log($"run directory: {run.Path}");
            }), plain: settings.Json);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
        if (result.Summary is not { } summary)
        {
            Output.Log($"stopped at {result.State.Frames} frames; continue with: sobolevrl teacher train --algo {settings.Algo} --out {result.Run.Path} --resume");
            return CliApp.InterruptedExitCode;
        }
        if (settings.Json)
        {
            Output.Json(summary);
            return 0;
        }
        var rows = new List<string[]>
        {
            new[] { "frames", summary.Frames.ToString(CultureInfo.InvariantCulture) },
            new[] { "wall time (s)", summary.WallTimeSeconds.ToString("F0", CultureInfo.InvariantCulture) },
            new[] { "frames/s (whole run)", summary.FramesPerSecond.ToString("F0", CultureInfo.InvariantCulture) },
            new[] { "training return (last 100 episodes)", summary.TrainingReturnLast100.ToString("F2", CultureInfo.InvariantCulture) },
        };
        if (result.Evaluation is { } evaluation)
        {
            rows.Add(["greedy return", $"{evaluation.Greedy.Mean.ToString("F2", CultureInfo.InvariantCulture)} ± {evaluation.Greedy.Std.ToString("F2", CultureInfo.InvariantCulture)}"]);
            rows.Add(["stochastic return", $"{evaluation.Stochastic.Mean.ToString("F2", CultureInfo.InvariantCulture)} ± {evaluation.Stochastic.Std.ToString("F2", CultureInfo.InvariantCulture)}"]);
        }
        rows.Add(["policy", summary.Policy]);
        Output.Table($"{summary.Algo.ToUpperInvariant()} teacher for {summary.Env}", ["", "value"], rows);
        return 0;
    }
}
