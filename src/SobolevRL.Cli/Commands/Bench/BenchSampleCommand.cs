using SobolevRL.Bench;
using SobolevRL.Replay;
using TorchSharp;

namespace SobolevRL.Cli.Commands.Bench;

/// <summary><c>sobolevrl bench sample --data DIR</c>: replay minibatches per second from disk and the resident memory while sampling.</summary>
public sealed class BenchSampleCommand : Command<BenchSampleCommand.Settings>
{
    /// <summary>Options of <c>bench sample</c>.</summary>
    public sealed class Settings : DeviceSettings
    {
        /// <summary>Dataset directory.</summary>
        [CommandOption("--data <DIR>"), Description("Replay dataset directory (written by `sobolevrl collect`).")]
        public string Data { get; init; } = "";

        /// <summary>Batch size.</summary>
        [CommandOption("--batch <B>"), Description("States per batch."), DefaultValue(32)]
        public int Batch { get; init; } = 32;

        /// <summary>Seconds.</summary>
        [CommandOption("--seconds <S>"), Description("Minimum seconds of sampling (after 10 warm-up batches)."), DefaultValue(5.0)]
        public double Seconds { get; init; } = 5.0;

        /// <summary>Passes over the dataset.</summary>
        [CommandOption("--passes <P>"), Description("Also keep sampling until P × the training states were drawn (to touch a dataset larger than the window)."), DefaultValue(0.0)]
        public double Passes { get; init; }

        /// <summary>Prefetch depth.</summary>
        [CommandOption("--prefetch <N>"), Description("Batches prepared ahead by the background worker."), DefaultValue(4)]
        public int Prefetch { get; init; } = 4;

        /// <summary>Prefetch workers.</summary>
        [CommandOption("--workers <N>"), Description("Background workers building batches (the batches for a seed do not depend on it)."), DefaultValue(2)]
        public int Workers { get; init; } = 2;

        /// <summary>Resident window.</summary>
        [CommandOption("--resident-mb <MB>"), Description("Mapped pages are dropped from the resident set after this many MB read."), DefaultValue(256)]
        public int ResidentMb { get; init; } = 256;

        /// <summary>Seed.</summary>
        [CommandOption("--seed <S>"), Description("Seed of the batch draws."), DefaultValue(0L)]
        public long Seed { get; init; }
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(settings.Data)) throw new UserErrorException("--data is required: a dataset directory written by `sobolevrl collect`");
        if (settings.Batch < 1) throw new UserErrorException($"--batch {settings.Batch}: must be >= 1");
        if (!(settings.Seconds > 0)) throw new UserErrorException($"--seconds {settings.Seconds}: must be > 0");
        if (settings.Workers < 1) throw new UserErrorException($"--workers {settings.Workers}: must be >= 1");
        if (settings.ResidentMb < 1) throw new UserErrorException($"--resident-mb {settings.ResidentMb}: must be >= 1");
        var device = TorchSetup.Apply(settings);
        double? loadBefore = LoadAverage.OneMinute();
        var r = SampleBenchmark.Run(settings.Data, new ReplaySamplerOptions
        {
            BatchSize = settings.Batch,
            Seed = settings.Seed,
            Device = device,
            Prefetch = settings.Prefetch,
            Workers = settings.Workers,
            ResidentBudgetBytes = (long)settings.ResidentMb << 20,
        }, settings.Seconds, settings.Passes);
        const double Mb = 1 << 20;
        var result = new
        {
            data = settings.Data,
            observation_shape = r.ObservationShape,
            labels = r.Labels,
            dataset_states = r.DatasetStates,
            dataset_mb = r.DatasetBytes / Mb,
            batch = r.Batch,
            batches = r.Batches,
            seconds = r.Seconds,
            samples_per_s = r.SamplesPerS,
            cpu_seconds = r.CpuSeconds,
            samples_per_cpu_s = r.SamplesPerCpuS,
            passes = (double)r.Batches * r.Batch / r.DatasetStates,
            resident_window_mb = r.ResidentBudgetBytes / Mb,
            prefetch = r.Prefetch,
            workers = settings.Workers,
            rss_before_mb = r.RssBeforeBytes / Mb,
            rss_peak_mb = r.RssPeakBytes / Mb,
            rss_end_mb = r.RssEndBytes / Mb,
            threads = torch.get_num_threads(),
            device = settings.Device,
            load_average_before = loadBefore,
            load_average_after = LoadAverage.OneMinute(),
        };
        if (settings.Json) Output.Json(result);
        else Output.Table($"bench sample {settings.Data}", ["measure", "value"], result.GetType().GetProperties().Select(p => new[]
        {
            p.Name, p.GetValue(result) switch
            {
                double d => d.ToString("G4", CultureInfo.InvariantCulture),
                long[] s => string.Join("×", s),
                var v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "-",
            },
        }));
        return 0;
    }
}
