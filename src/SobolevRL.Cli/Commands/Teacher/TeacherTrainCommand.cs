using System.ComponentModel;
using System.Globalization;
using System.Runtime.InteropServices;
using SobolevRL.Cli.Infrastructure;
using SobolevRL.Config;
using SobolevRL.Envs.Registry;
using SobolevRL.Policies;
using SobolevRL.Runs;
using SobolevRL.Teachers;
using SobolevRL.Teachers.Training;
using Spectre.Console.Cli;

namespace SobolevRL.Cli.Commands.Teacher;

/// <summary><c>sobolevrl teacher train</c>: trains a teacher policy with PPO, evaluates it and writes policy.onnx with its model card.</summary>
public sealed class TeacherTrainCommand : Command<TeacherTrainCommand.Settings>
{
    /// <summary>Options of <c>teacher train</c>; flags override the matching config keys.</summary>
    public sealed class Settings : RunSettings
    {
        /// <summary>Environment id (config key env).</summary>
        [CommandOption("--env <ID>")]
        [Description("Environment id, e.g. MinAtar/Breakout-v1 (config key env).")]
        public string? Env { get; init; }

        /// <summary>Algorithm.</summary>
        [CommandOption("--algo <ALGO>")]
        [Description("Training algorithm; ppo is the one implemented.")]
        [DefaultValue("ppo")]
        public string Algo { get; init; } = "ppo";

        /// <summary>Frame budget (config key frames).</summary>
        [CommandOption("--frames <N>")]
        [Description("Environment frames to train for, summed over envs (config key frames).")]
        public long? Frames { get; init; }

        /// <summary>Number of envs (config key num_envs).</summary>
        [CommandOption("--envs <N>")]
        [Description("Parallel environments (config key num_envs).")]
        public int? Envs { get; init; }

        /// <summary>Seed (config key seed).</summary>
        [CommandOption("--seed <N>")]
        [Description("Seed of weights, sampling and environments (config key seed).")]
        public long? Seed { get; init; }

        /// <summary>Continue the run in --out from its checkpoint.</summary>
        [CommandOption("--resume")]
        [Description("Continue the run directory given by --out from its last checkpoint (its config.yaml is the base config).")]
        public bool Resume { get; init; }

        /// <summary>Run the default plan.</summary>
        [CommandOption("--yes")]
        [Description("Run even when only defaults define the job (without --frames or --config it refuses and prints its plan).")]
        public bool Yes { get; init; }
    }

    /// <summary>File of the run listing the command line of every session.</summary>
    public const string CommandsFile = "commands.txt";

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Algo != "ppo") throw new UserErrorException($"--algo {settings.Algo}: unknown algorithm; the implemented one is ppo");
        var device = TorchSetup.Apply(settings);
        var overrides = new List<string>(settings.Set);
        if (settings.Env is not null) overrides.Add($"env={settings.Env}");
        if (settings.Frames is not null) overrides.Add($"frames={settings.Frames.Value.ToString(CultureInfo.InvariantCulture)}");
        if (settings.Envs is not null) overrides.Add($"num_envs={settings.Envs.Value.ToString(CultureInfo.InvariantCulture)}");
        if (settings.Seed is not null) overrides.Add($"seed={settings.Seed.Value.ToString(CultureInfo.InvariantCulture)}");

        string? baseConfig = settings.Config;
        if (settings.Resume && baseConfig is null && settings.Out is not null)
        {
            string saved = Path.Combine(settings.Out, RunDirectory.ConfigFile);
            if (File.Exists(saved)) baseConfig = saved;
        }
        var options = ConfigLoader.Load<PpoOptions>(baseConfig, overrides);
        // A wrong env id or option is reported before anything is written.
        using (EnvRegistry.CreateDefault().Make(options.Env, PpoTrainer.EnvOptionsFrom(options.EnvOptions))) { }
        LongJob.Confirm("teacher train", string.Create(CultureInfo.InvariantCulture, $"PPO on {options.Env} for {options.Frames:N0} frames with {options.NumEnvs} envs"),
            settings.Frames != null || settings.Config != null || settings.Resume, settings.Yes, "--frames", settings.Json);
        string game = options.Env.Split('/')[^1];
        var run = RunDirectory.Create($"teacher-{game}", settings.Out, settings.Resume);
        ConfigLoader.Save(options, run.File(RunDirectory.ConfigFile));
        // Every session of the run (first start, resumes) is recorded; the card lists them all.
        string invocation = "sobolevrl " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1));
        File.AppendAllLines(run.File(CommandsFile), [invocation]);
        if (!settings.Json) Output.Log($"run directory: {run.Path}");

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
        PpoTrainingResult result;
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel.Token, cancellationToken);
            result = CliProgress.Run(p => PpoTrainer.Train(options, run, device, settings.Resume, p, linked.Token), plain: settings.Json);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }

        using var model = result.Model;
        if (!result.Completed)
        {
            Output.Log($"stopped at {result.State.Frames} frames; continue with: sobolevrl teacher train --out {run.Path} --resume");
            return CliApp.InterruptedExitCode;
        }
        var policy = new ModulePolicy(model.Policy, result.ObservationShape, result.Actions);
        model.eval();
        TeacherEvaluation? evaluation = null;
        if (options.Evaluation.Episodes > 0)
        {
            evaluation = CliProgress.Run(p => TeacherExport.Evaluate(policy, options.Env, options.Evaluation,
                (mode, n) => p.Report(new ProgressInfo($"evaluate {mode}", n, options.Evaluation.Episodes, "episodes"))), plain: settings.Json);
        }
        var training = new TrainingRecord
        {
            Algorithm = "ppo",
            Command = string.Join(" ; then ", File.ReadAllLines(run.File(CommandsFile)).Where(l => l.Length > 0)),
            Frames = result.State.Frames,
            WallTimeSeconds = Math.Round(result.State.WallTimeSeconds, 1),
            Seed = options.Seed,
        };
        string onnx = run.File("policy.onnx");
        var card = TeacherExport.Write(policy, onnx, options.Env, TeacherExport.Architecture(options.ConvChannels, options.Hidden), training, evaluation);
        var summary = new
        {
            env = options.Env,
            algo = "ppo",
            frames = result.State.Frames,
            updates = result.State.Updates,
            wall_time_seconds = result.State.WallTimeSeconds,
            frames_per_second = result.State.WallTimeSeconds > 0 ? result.State.Frames / result.State.WallTimeSeconds : double.NaN,
            session_frames_per_second = result.FramesPerSecond,
            training_episodes = result.State.Episodes,
            training_return_last_100 = result.State.RecentReturns.Length > 0 ? result.State.RecentReturns.Average() : double.NaN,
            evaluation = evaluation is null ? null : new
            {
                protocol = evaluation.Protocol,
                greedy_mean = evaluation.Greedy.Mean,
                greedy_std = evaluation.Greedy.Std,
                greedy_truncated = evaluation.Greedy.Truncated,
                stochastic_mean = evaluation.Stochastic.Mean,
                stochastic_std = evaluation.Stochastic.Std,
                stochastic_truncated = evaluation.Stochastic.Truncated,
                acting = card.Evaluation?.Acting,
            },
            policy = onnx,
            card = ModelCard.PathFor(onnx),
        };
        run.WriteSummary(summary);
        if (settings.Json)
        {
            Output.Json(summary);
            return 0;
        }
        var rows = new List<string[]>
        {
            new[] { "frames", result.State.Frames.ToString(CultureInfo.InvariantCulture) },
            new[] { "wall time (s)", result.State.WallTimeSeconds.ToString("F0", CultureInfo.InvariantCulture) },
            new[] { "frames/s (whole run)", summary.frames_per_second.ToString("F0", CultureInfo.InvariantCulture) },
            new[] { "training return (last 100 episodes)", summary.training_return_last_100.ToString("F2", CultureInfo.InvariantCulture) },
        };
        if (evaluation is not null)
        {
            rows.Add(["greedy return", $"{evaluation.Greedy.Mean.ToString("F2", CultureInfo.InvariantCulture)} ± {evaluation.Greedy.Std.ToString("F2", CultureInfo.InvariantCulture)}"]);
            rows.Add(["stochastic return", $"{evaluation.Stochastic.Mean.ToString("F2", CultureInfo.InvariantCulture)} ± {evaluation.Stochastic.Std.ToString("F2", CultureInfo.InvariantCulture)}"]);
        }
        rows.Add(["policy", onnx]);
        Output.Table($"PPO teacher for {options.Env}", ["", "value"], rows);
        return 0;
    }
}
