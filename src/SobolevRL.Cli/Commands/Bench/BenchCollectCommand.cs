using SobolevRL.Bench;
using SobolevRL.Cli.Commands.Collect;
using TorchSharp;

namespace SobolevRL.Cli.Commands.Bench;

/// <summary>
/// <c>sobolevrl bench collect</c>: end-to-end collection states/s beside the label-only rate of the same teacher and
/// batch, interleaved; the ratio says how far collection is from being limited by labelling alone.
/// </summary>
public sealed class BenchCollectCommand : Command<BenchCollectCommand.Settings>
{
    /// <summary>Options of <c>bench collect</c>.</summary>
    public sealed class Settings : CollectSettings
    {
        /// <summary>States per collection.</summary>
        [CommandOption("--states <N>"), Description("States collected per repetition (into a temporary directory, deleted after)."), DefaultValue(4000L)]
        public long States { get; init; } = 4000;

        /// <summary>Seconds per label-only measurement.</summary>
        [CommandOption("--label-seconds <S>"), Description("Minimum seconds of each label-only measurement (one before and one after every collection)."), DefaultValue(3.0)]
        public double LabelSeconds { get; init; } = 3.0;

        /// <summary>Repetitions.</summary>
        [CommandOption("--repeats <R>"), Description("Repetitions (label, collect, label); medians are reported."), DefaultValue(1)]
        public int Repeats { get; init; } = 1;

        /// <summary>Keep the last dataset.</summary>
        [CommandOption("--keep <DIR>"), Description("Write the last repetition's dataset to DIR and keep it (with a generated teacher as DIR.teacher.onnx), e.g. for `bench sample`.")]
        public string? Keep { get; init; }
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.States < 1) throw new UserErrorException($"--states {settings.States}: must be >= 1");
        if (!(settings.LabelSeconds > 0)) throw new UserErrorException($"--label-seconds {settings.LabelSeconds}: must be > 0");
        if (settings.Repeats < 1) throw new UserErrorException($"--repeats {settings.Repeats}: must be >= 1");
        if (string.IsNullOrEmpty(settings.Env)) throw new UserErrorException("--env is required");
        if (string.IsNullOrEmpty(settings.Teacher)) throw new UserErrorException($"--teacher is required: a policy .onnx file, or '{CollectBenchmark.NatureTeacher}' for a randomly initialised Nature-DQN CNN (84×84 environments)");
        var device = TorchSetup.Apply(settings);
        var options = settings.ToOptions(settings.States);
        options.Validate();
        double? loadBefore = LoadAverage.OneMinute();
        var reps = CollectBenchmark.Run(options, settings.Teacher, device, settings.LabelSeconds, settings.Repeats, Output.Log, settings.Keep);
        var result = new
        {
            env = settings.Env,
            teacher = settings.Teacher,
            labels = settings.Labels,
            grad_dtype = settings.GradDtype,
            envs = settings.Envs,
            label_batch = settings.Envs >= 2 ? (settings.Envs + 1) / 2 : settings.Envs,
            label_shards = reps[0].LabelShards,
            states = settings.States,
            threads = torch.get_num_threads(),
            device = settings.Device,
            repeats = settings.Repeats,
            collect_states_per_s = Median(reps.Select(r => r.CollectStatesPerS)),
            label_states_per_s = Median(reps.Select(r => r.LabelStatesPerS)),
            ratio = Median(reps.Select(r => r.Ratio)),
            steady_collect_states_per_s = Median(reps.Select(r => r.SteadyStatesPerS)),
            steady_ratio = Median(reps.Select(r => r.SteadyRatio)),
            setup_fraction = Median(reps.Select(r => r.SetupFraction)),
            label_fraction = Median(reps.Select(r => r.LabelFraction)),
            step_wait_fraction = Median(reps.Select(r => r.StepWaitFraction)),
            commit_fraction = Median(reps.Select(r => r.CommitFraction)),
            env_states_per_s = Median(reps.Select(r => r.EnvStatesPerS)),
            env_setup_ms_per_env = Median(reps.Select(r => r.EnvSetupMsPerEnv)),
            label_cpu_ms_per_state = Median(reps.Select(r => r.LabelCpuMs)),
            env_cpu_ms_per_state = Median(reps.Select(r => r.EnvCpuMs)),
            collect_cpu_ms_per_state = Median(reps.Select(r => r.CollectCpuMs)),
            collect_env_cpu_ms_per_state = Median(reps.Select(r => r.CollectEnvCpuMs)),
            collect_setup_cpu_ms_per_state = Median(reps.Select(r => r.CollectSetupCpuMs)),
            cpu_bound_ratio = Median(reps.Select(r => r.CpuBoundRatio)),
            bench_label_batch = LabelWorkload.Batch,
            bench_label_states_per_s = Median(reps.Select(r => r.BenchLabelStatesPerS ?? double.NaN)),
            bench_label_threads_states_per_s = Median(reps.Select(r => r.BenchLabelThreadsStatesPerS ?? double.NaN)),
            bench_label_shards_states_per_s = Median(reps.Select(r => r.BenchLabelShardsStatesPerS ?? double.NaN)),
            bench_label_ratio = Median(reps.Select(r => r.BenchLabelRatio ?? double.NaN)),
            load_average_before = loadBefore,
            load_average_after = LoadAverage.OneMinute(),
        };
        if (settings.Json) Output.Json(result);
        else Output.Table($"bench collect {settings.Env} ({result.threads} threads, medians of {settings.Repeats})", ["measure", "value"],
            result.GetType().GetProperties().Select(p => new[]
            {
                p.Name, p.GetValue(result) switch { double d => d.ToString("G4", CultureInfo.InvariantCulture), var v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "-" },
            }));
        return 0;
    }

    static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
