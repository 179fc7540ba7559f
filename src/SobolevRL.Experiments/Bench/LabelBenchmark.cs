using System.Diagnostics;
using SobolevRL.Hardware;
using SobolevRL.Onnx;
using SobolevRL.Policies;
using SobolevRL.Teachers;
using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Bench;

/// <summary>Measured label and acting rates of one workload.</summary>
/// <param name="Workload">nature or minatar.</param>
/// <param name="Threads">libtorch intra-op threads.</param>
/// <param name="LabelStatesPerS">States/s of Labeler.Label (logits + one VJP per state) on the ONNX teacher path.</param>
/// <param name="ModuleLabelStatesPerS">The same on the original TorchSharp module (no ONNX rebuild), for comparison.</param>
/// <param name="ActingLatencyMs">Median ONNX Runtime latency of one single-state action (greedy).</param>
/// <param name="Shards">Shards of <see cref="ShardsLabelStatesPerS"/>.</param>
/// <param name="ShardsLabelStatesPerS">States/s of the ONNX teacher path with the batch split into <see cref="Shards"/> shards labelled at once, one libtorch thread each (what <c>collect</c> does by default).</param>
public sealed record LabelBenchResult(string Workload, int Threads, double LabelStatesPerS, double ModuleLabelStatesPerS, double ActingLatencyMs,
    int Shards, double ShardsLabelStatesPerS)
{
    /// <summary>The faster labelling path's rate: the reference collection rates are compared with.</summary>
    public double BestLabelStatesPerS => Math.Max(LabelStatesPerS, ShardsLabelStatesPerS);
}

/// <summary>
/// Times labelling through the real teacher path: the workload teacher exported to ONNX, loaded with
/// <see cref="TeacherLoader"/>, labelled with <see cref="Labeler.Label(IPolicy, Tensor, LabelMode, Generator?, long, Tensor?)"/> (vjp:1), with the peer's timing rule.
/// </summary>
public static class LabelBenchmark
{
    /// <summary>
    /// Runs the workload for at least <paramref name="seconds"/> per measurement, the sharded path with
    /// <paramref name="shards"/> shards (0: <see cref="ShardThreads.Auto"/>).
    /// </summary>
    public static LabelBenchResult Run(LabelWorkload workload, Device device, double seconds, int actingCalls = 1000, int shards = 0)
    {
        string dir = Directory.CreateTempSubdirectory("sobolevrl-bench-").FullName;
        try
        {
            string path = Path.Combine(dir, workload.Name + ".onnx");
            using var network = workload.Teacher();
            OnnxExporter.Export(network, workload.ObservationShape, path);
            new ModelCard
            {
                Architecture = workload.Name + " benchmark teacher",
                Actions = LabelWorkload.Actions,
                Input = new ModelInput { Scale = workload.InputScale, Shape = workload.ObservationShape },
            }.Write(ModelCard.PathFor(path));
            using OnnxTeacher teacher = TeacherLoader.Load(path, device);
            using var generator = new Generator(0);
            using Tensor states = workload.States(generator).to(device);
            if (shards == 0) shards = ShardThreads.Auto(device);
            double onnxRate = LabelRate(teacher, states, seconds, 1);
            double shardsRate = LabelRate(teacher, states, seconds, shards);
            network.to(device);
            double moduleRate = LabelRate(new ModulePolicy(network, workload.ObservationShape, LabelWorkload.Actions, workload.InputScale), states, seconds, 1);
            double latency = ActingLatencyMs(teacher, states, actingCalls);
            return new LabelBenchResult(workload.Name, get_num_threads(), onnxRate, moduleRate, latency, shards, shardsRate);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    static double LabelRate(IPolicy policy, Tensor states, double seconds, int shards)
    {
        using var projections = new Generator(1);
        using var threads = new ShardThreads(shards);
        return states.shape[0] * Timing.CallsPerSecond(() =>
        {
            using TeacherLabels labels = Labeler.Label(threads, policy, states, LabelMode.Vjp(1), projections);
        }, seconds);
    }

    static double ActingLatencyMs(OnnxTeacher teacher, Tensor states, int calls)
    {
        using TeacherActor actor = teacher.CreateActor(1);
        using Tensor first = states[0].cpu().contiguous();
        float[] obs = first.data<float>().ToArray();
        var chosen = new int[1];
        var times = new double[calls];
        for (int i = -10; i < calls; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            ActionSelection.Greedy(actor.Logits(obs, 1), actor.Actions, chosen);
            if (i >= 0) times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        Array.Sort(times);
        return times[calls / 2];
    }
}
