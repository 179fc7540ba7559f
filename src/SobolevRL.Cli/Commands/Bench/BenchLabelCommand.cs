using System.ComponentModel;
using System.Globalization;
using SobolevRL.Bench;
using SobolevRL.Cli.Infrastructure;
using Spectre.Console.Cli;
using TorchSharp;

namespace SobolevRL.Cli.Commands.Bench;

/// <summary>
/// <c>sobolevrl bench label</c>: teacher labelling states/s (logits + one VJP per state, batch 64) on the peer's workloads,
/// through the ONNX teacher path, side by side with the PyTorch peer.
/// </summary>
public sealed class BenchLabelCommand : Command<BenchLabelCommand.Settings>
{
    /// <summary>Options of <c>bench label</c>.</summary>
    public sealed class Settings : DeviceSettings
    {
        /// <summary>Workload.</summary>
        [CommandOption("--workload <NAME>")]
        [Description("nature (Nature CNN, 4x84x84, input/255) or minatar (conv16/fc128, 4x10x10).")]
        [DefaultValue("nature")]
        public string Workload { get; init; } = "nature";

        /// <summary>Seconds per measurement.</summary>
        [CommandOption("--seconds <S>")]
        [Description("Minimum seconds per measurement (the peer's rule: 2 warm-up calls, then >= S seconds and >= 5 calls).")]
        [DefaultValue(3.0)]
        public double Seconds { get; init; } = 3.0;

        /// <summary>Side-by-side repetitions.</summary>
        [CommandOption("--repeats <R>")]
        [Description("Side-by-side repetitions (ours, then the peer); medians are reported.")]
        [DefaultValue(1)]
        public int Repeats { get; init; } = 1;

        /// <summary>Run the peer.</summary>
        [CommandOption("--peer")]
        [Description("Also run the PyTorch peer and report the ratio (default: on when /usr/bin/python3 has torch).")]
        public bool? Peer { get; init; }

        /// <summary>Skip the peer.</summary>
        [CommandOption("--no-peer")]
        [Description("Do not run the PyTorch peer.")]
        public bool NoPeer { get; init; }

        /// <summary>Peer script.</summary>
        [CommandOption("--peer-script <FILE>")]
        [Description("The peer script (default: ../shared/peers/torch_sobolev_bench.py from the repository root).")]
        public string? PeerScript { get; init; }
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (!(settings.Seconds > 0)) throw new UserErrorException($"--seconds {settings.Seconds}: must be > 0");
        if (settings.Repeats < 1) throw new UserErrorException($"--repeats {settings.Repeats}: must be >= 1");
        var workload = LabelWorkload.Parse(settings.Workload);
        var device = TorchSetup.Apply(settings);
        bool peer = !settings.NoPeer && (settings.Peer ?? PeerBenchmark.TorchAvailable());
        string script = settings.PeerScript ?? PeerBenchmark.DefaultScript();
        var ours = new List<LabelBenchResult>();
        var peers = new List<double>();
        for (int r = 0; r < settings.Repeats; r++)
        {
            ours.Add(LabelBenchmark.Run(workload, device, settings.Seconds));
            Output.Log($"repeat {r + 1}: label {ours[^1].LabelStatesPerS:F0} states/s (module {ours[^1].ModuleLabelStatesPerS:F0}), acting {ours[^1].ActingLatencyMs:F3} ms");
            if (peer)
            {
                peers.Add(PeerBenchmark.Run(script, workload.Name, settings.Seconds, torch.get_num_threads()).GetProperty("label_states_per_s").GetDouble());
                Output.Log($"repeat {r + 1}: peer label {peers[^1]:F0} states/s, ratio {ours[^1].LabelStatesPerS / peers[^1]:F2}");
            }
        }
        double[] ratios = peers.Select((p, i) => ours[i].LabelStatesPerS / p).ToArray();
        var result = new
        {
            workload = workload.Name,
            threads = ours[0].Threads,
            device = settings.Device,
            omp_wait_policy = Environment.GetEnvironmentVariable(Hardware.ThreadWaitPolicy.Variable),
            repeats = settings.Repeats,
            label_states_per_s = Median(ours.Select(o => o.LabelStatesPerS)),
            module_label_states_per_s = Median(ours.Select(o => o.ModuleLabelStatesPerS)),
            acting_latency_ms = Median(ours.Select(o => o.ActingLatencyMs)),
            peer_label_states_per_s = peer ? Median(peers) : (double?)null,
            ratio = peer ? Median(ratios) : (double?)null,
            ratios = peer ? ratios : null,
        };
        if (settings.Json) Output.Json(result);
        else Output.Table($"bench label --workload {workload.Name} ({result.threads} threads, medians of {settings.Repeats})", ["measure", "value"],
            result.GetType().GetProperties().Where(p => p.PropertyType != typeof(double[])).Select(p => new[]
            {
                p.Name, p.GetValue(result) switch { double d => d.ToString("G5", CultureInfo.InvariantCulture), var v => v?.ToString() ?? "-" },
            }));
        return 0;
    }

    static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }
}
