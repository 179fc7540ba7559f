using SobolevRL.Collection;
using SobolevRL.Distillation;

namespace SobolevRL.Cli.Commands.Collect;

/// <summary>
/// <c>sobolevrl collect</c>: rollouts labelled by the teacher into a replay dataset directory (a thin wrapper over
/// <see cref="CollectionJob"/>). Ctrl-C commits the states collected so far; <c>--resume</c> continues.
/// </summary>
public sealed class CollectCommand : Command<CollectCommand.Settings>
{
    /// <summary>Options of <c>collect</c>.</summary>
    public sealed class Settings : CollectSettings
    {
        /// <summary>States to collect.</summary>
        [CommandOption("--states <N>"), Description("States in the dataset when done (required for a new collection; with --resume, a new target or the original one).")]
        public long? States { get; init; }

        /// <summary>Dataset directory.</summary>
        [CommandOption("--out <DIR>"), Description("Dataset directory; must not exist unless --resume.")]
        public string Out { get; init; } = "";

        /// <summary>Continue a collection.</summary>
        [CommandOption("--resume"), Description("Continue the (killed or finished) collection in --out; settings come from its manifest.")]
        public bool Resume { get; init; }

        /// <summary>No progress bar.</summary>
        [CommandOption("--plain"), Description("Plain progress log lines instead of a bar.")]
        public bool Plain { get; init; }
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (!settings.Resume && settings.States is null) throw new UserErrorException("--states is required: how many states to collect");
        if (settings.States is < 1) throw new UserErrorException($"--states {settings.States}: must be >= 1");
        var job = settings.Job(settings.States ?? 0, settings.Out, settings.Resume);
        var r = CliProgress.Run(p => CollectionJob.Run(job, p, cancellationToken), plain: settings.Plain || settings.Json);
        var m = r.Manifest;
        var result = new
        {
            out_dir = settings.Out,
            resumed = r.Resumed,
            removed_uncommitted_shards = r.RemovedShards,
            states = m.States,
            target_states = m.Collection.TargetStates,
            new_states = r.Run.NewStates,
            complete = m.Complete,
            shards = m.Shards.Count,
            train_states = m.TrainStates,
            held_out_states = m.HeldOutStates,
            episodes_finished = r.Run.EpisodesFinished,
            seconds = r.Run.Seconds,
            states_per_s = r.Run.StatesPerSecond,
            label_seconds = r.Run.LabelSeconds,
            step_wait_seconds = r.Run.StepWaitSeconds,
            commit_seconds = r.Run.CommitSeconds,
            labels = m.Labels,
            frame_stack = m.FrameStack,
        };
        if (settings.Json)
        {
            Output.Json(result);
            return 0;
        }
        Output.Table($"collect {m.EnvId} → {settings.Out}", ["measure", "value"], result.GetType().GetProperties().Select(p => new[]
        {
            p.Name, p.GetValue(result) switch
            {
                double d => d.ToString("G5", CultureInfo.InvariantCulture),
                IReadOnlyList<string> l => l.Count == 0 ? "-" : string.Join(", ", l),
                var v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "-",
            },
        }));
        if (!m.Complete) Output.Log($"stopped before the target; continue with: sobolevrl collect --resume --out {settings.Out}");
        return 0;
    }
}
