using SobolevRL.Bench;
using SobolevRL.Hardware;
using SobolevRL.Teachers;
using TorchSharp;

namespace SobolevRL.Cli.Commands.Bench;

/// <summary>
/// <c>sobolevrl bench train</c>: distillation training steps/s (plain KL, and KL + λ·vjp:1 Sobolev term, batch 32, Adam) on
/// the peer's workloads, rounds of ours and the PyTorch peer interleaved, with ratios ours/peer and Sobolev/plain cost.
/// </summary>
public sealed class BenchTrainCommand : Command<BenchTrainCommand.Settings>
{
    /// <summary>Options of <c>bench train</c>.</summary>
    public sealed class Settings : PeerBenchSettings
    {
        /// <summary>Phase split.</summary>
        [CommandOption("--phases <STEPS>"), Description("Also time loss (forward + derivative graph), backward and optimiser phases over this many steps (0: off)."), DefaultValue(20)]
        public int Phases { get; init; } = 20;

        /// <summary>Batch shards computed at once.</summary>
        [CommandOption("--shards <N>"), Description("Batch shards whose loss and gradients are computed at once, each on its own thread with one libtorch thread (the trainer's optim.shards; 0: automatic, libtorch's thread count on CPU; 1: libtorch's intra-op threads only)."), DefaultValue(0)]
        public int Shards { get; init; }

        /// <summary>Also time the generic double backward.</summary>
        [CommandOption("--autograd"), Description("Also time the Sobolev step through autograd's generic double backward (what students outside Conv/ReLU/Linear Sequentials use).")]
        public bool Autograd { get; init; }
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Phases < 0) throw new UserErrorException($"--phases {settings.Phases}: must be >= 0");
        if (settings.Shards < 0) throw new UserErrorException($"--shards {settings.Shards}: must be >= 0 (0: automatic)");
        var workload = TrainWorkload.Parse(settings.Workload);
        var device = TorchSetup.Apply(settings);
        int shards = Math.Min(settings.Shards > 0 ? settings.Shards : ShardThreads.Auto(device), TrainWorkload.Batch);
        var (peer, script) = settings.CheckedPeer();
        string loadBefore = LoadAverage.Text();
        var plain = new List<double>();
        var sobolev = new List<double>();
        var autograd = new List<double>();
        var cpuMs = new List<double>[] { [], [], [] };
        var peerPlain = new List<double>();
        var peerSobolev = new List<double>();
        for (int r = 0; r < settings.Repeats; r++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            void Add(List<double> rates, int index, LabelMode mode, bool explicitGradients = true)
            {
                var (rate, cpu) = TrainBenchmark.Measure(workload, device, mode, settings.Seconds, shards, explicitGradients);
                rates.Add(rate);
                cpuMs[index].Add(cpu);
            }
            Add(plain, 0, LabelMode.None);
            Add(sobolev, 1, LabelMode.Vjp(1));
            if (settings.Autograd) Add(autograd, 2, LabelMode.Vjp(1), explicitGradients: false);
            Output.Log($"round {r + 1}/{settings.Repeats}: ours plain {plain[^1]:F1} steps/s, sobolev {sobolev[^1]:F1} steps/s" +
                (settings.Autograd ? $", sobolev by autograd double backward {autograd[^1]:F1} steps/s" : "") + $" (load {LoadAverage.Text()})");
            if (!peer) continue;
            var p = PeerBenchmark.Run(script, workload.Name, settings.Seconds, torch.get_num_threads());
            peerPlain.Add(p.GetProperty("train_steps_per_s_plain").GetDouble());
            peerSobolev.Add(p.GetProperty("train_steps_per_s_sobolev").GetDouble());
            Output.Log($"round {r + 1}/{settings.Repeats}: peer plain {peerPlain[^1]:F1} steps/s, sobolev {peerSobolev[^1]:F1} steps/s (load {LoadAverage.Text()})");
        }
        TrainPhases? plainPhases = null, sobolevPhases = null, autogradPhases = null;
        if (settings.Phases > 0)
        {
            plainPhases = TrainBenchmark.Phases(workload, device, LabelMode.None, settings.Phases, shards);
            sobolevPhases = TrainBenchmark.Phases(workload, device, LabelMode.Vjp(1), settings.Phases, shards);
            if (settings.Autograd) autogradPhases = TrainBenchmark.Phases(workload, device, LabelMode.Vjp(1), settings.Phases, shards, explicitGradients: false);
        }
        // Ratios are taken within a round (same load for both sides), then the median over rounds.
        double[] plainRatios = peerPlain.Select((q, i) => plain[i] / q).ToArray();
        double[] sobolevRatios = peerSobolev.Select((q, i) => sobolev[i] / q).ToArray();
        var result = new
        {
            workload = workload.Name,
            threads = torch.get_num_threads(),
            shards,
            device = settings.Device,
            repeats = settings.Repeats,
            load_average_before = loadBefore,
            load_average_after = LoadAverage.Text(),
            train_steps_per_s_plain = Median(plain),
            train_steps_per_s_sobolev = Median(sobolev),
            sobolev_cost = Median(plain.Select((q, i) => q / sobolev[i])),
            cpu_ms_per_step_plain = Median(cpuMs[0]),
            cpu_ms_per_step_sobolev = Median(cpuMs[1]),
            sobolev_cpu_cost = Median(cpuMs[1].Select((q, i) => q / cpuMs[0][i])),
            train_steps_per_s_sobolev_autograd = settings.Autograd ? Median(autograd) : (double?)null,
            cpu_ms_per_step_sobolev_autograd = settings.Autograd ? Median(cpuMs[2]) : (double?)null,
            sobolev_autograd_cost = settings.Autograd ? Median(plain.Select((q, i) => q / autograd[i])) : (double?)null,
            peer_train_steps_per_s_plain = peer ? Median(peerPlain) : (double?)null,
            peer_train_steps_per_s_sobolev = peer ? Median(peerSobolev) : (double?)null,
            peer_sobolev_cost = peer ? Median(peerPlain.Select((q, i) => q / peerSobolev[i])) : (double?)null,
            ratio_plain = peer ? Median(plainRatios) : (double?)null,
            ratio_sobolev = peer ? Median(sobolevRatios) : (double?)null,
            plain_ms = plainPhases,
            sobolev_ms = sobolevPhases,
            sobolev_autograd_ms = autogradPhases,
            rounds = new { plain, sobolev, sobolev_autograd = autograd, peer_plain = peerPlain, peer_sobolev = peerSobolev, cpu_ms = cpuMs },
        };
        if (settings.Json)
        {
            Output.Json(result);
            return 0;
        }
        var rows = new List<string[]>
        {
            Row("train_steps_per_s_plain", result.train_steps_per_s_plain, result.peer_train_steps_per_s_plain, result.ratio_plain),
            Row("train_steps_per_s_sobolev", result.train_steps_per_s_sobolev, result.peer_train_steps_per_s_sobolev, result.ratio_sobolev),
            Row("sobolev_cost (step time / plain)", result.sobolev_cost, result.peer_sobolev_cost, null),
            Row("cpu_ms_per_step_plain", result.cpu_ms_per_step_plain, null, null),
            Row("cpu_ms_per_step_sobolev", result.cpu_ms_per_step_sobolev, null, null),
            Row("sobolev_cpu_cost (cpu time / plain)", result.sobolev_cpu_cost, null, null),
        };
        if (settings.Autograd)
        {
            rows.Add(Row("train_steps_per_s_sobolev_autograd", Median(autograd), null, null));
            rows.Add(Row("sobolev_autograd_cost (step time / plain)", Median(plain.Select((q, i) => q / autograd[i])), null, null));
            rows.Add(Row("cpu_ms_per_step_sobolev_autograd", Median(cpuMs[2]), null, null));
        }
        foreach (var (name, phases) in new[] { ("plain", plainPhases), ("sobolev", sobolevPhases), ("sobolev_autograd", autogradPhases) })
        {
            if (phases is null) continue;
            if (phases.Shards > 1)
                rows.Add(Row($"{name} ms: loss + backward ({phases.Shards} shards at once)", phases.LossMs, null, null));
            else
            {
                rows.Add(Row($"{name} ms: loss (forward + derivative graph)", phases.LossMs, null, null));
                rows.Add(Row($"{name} ms: backward", phases.BackwardMs, null, null));
            }
            rows.Add(Row($"{name} ms: optimiser", phases.OptimizerMs, null, null));
        }
        Output.Table($"bench train --workload {workload.Name} ({result.threads} threads, {shards} shards, medians of {settings.Repeats} rounds; load {loadBefore} -> {result.load_average_after})",
            ["measure", "ours", "peer", "ours/peer"], rows);
        return 0;
    }

    static string[] Row(string name, double ours, double? peer, double? ratio) =>
        [name, Format(ours), peer is { } p ? Format(p) : "-", ratio is { } r ? Format(r) : "-"];

    static string Format(double value) => value.ToString("G4", CultureInfo.InvariantCulture);

    static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }
}
