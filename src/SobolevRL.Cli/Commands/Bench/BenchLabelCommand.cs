using SobolevRL.Bench;
using TorchSharp;

namespace SobolevRL.Cli.Commands.Bench;

/// <summary>
/// <c>sobolevrl bench label</c>: teacher labelling states/s (logits + one VJP per state, batch 64) on the peer's workloads,
/// through the ONNX teacher path, side by side with the PyTorch peer.
/// </summary>
public sealed class BenchLabelCommand : Command<BenchLabelCommand.Settings>
{
    /// <summary>Options of <c>bench label</c>.</summary>
    public sealed class Settings : PeerBenchSettings
    {
        /// <summary>Shards of the sharded labelling path.</summary>
        [CommandOption("--shards <N>"), Description("Shards of the second labelling path measured (the batch split into N parts labelled at once, one libtorch thread each, as `collect` does); 0: one per libtorch thread."), DefaultValue(0)]
        public int Shards { get; init; }
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Shards < 0) throw new UserErrorException($"--shards {settings.Shards}: must be >= 0 (0: one per libtorch thread)");
        var workload = LabelWorkload.Parse(settings.Workload);
        var device = TorchSetup.Apply(settings);
        var (peer, script) = settings.CheckedPeer();
        var ours = new List<LabelBenchResult>();
        var peers = new List<double>();
        for (int r = 0; r < settings.Repeats; r++)
        {
            ours.Add(LabelBenchmark.Run(workload, device, settings.Seconds, shards: settings.Shards));
            Output.Log($"repeat {r + 1}: label {ours[^1].LabelStatesPerS:F0} states/s (module {ours[^1].ModuleLabelStatesPerS:F0}; {ours[^1].Shards} shards {ours[^1].ShardsLabelStatesPerS:F0}), acting {ours[^1].ActingLatencyMs:F3} ms");
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
            shards = ours[0].Shards,
            shards_label_states_per_s = Median(ours.Select(o => o.ShardsLabelStatesPerS)),
            best_label_states_per_s = Median(ours.Select(o => o.BestLabelStatesPerS)),
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
