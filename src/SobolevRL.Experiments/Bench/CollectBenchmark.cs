using System.Diagnostics;
using SobolevRL.Collection;
using SobolevRL.Distillation;
using SobolevRL.Envs.Bench;
using SobolevRL.Envs.Core;
using SobolevRL.Envs.Registry;
using SobolevRL.Envs.Vector;
using SobolevRL.Onnx;
using SobolevRL.Policies;
using SobolevRL.Runs;
using SobolevRL.Teachers;
using TorchSharp;
using static TorchSharp.torch;
using SobolevRL.Hardware;

namespace SobolevRL.Bench;

/// <summary>One side-by-side repetition of <see cref="CollectBenchmark"/>; CPU figures are milliseconds per state.</summary>
/// <param name="CollectStatesPerS">States/s of the whole collection (setup, stepping, labelling, writing and committing shards).</param>
/// <param name="LabelStatesPerS">States/s of labelling alone at the collector's batch (one env group) and thread count, measured right before and after (mean).</param>
/// <param name="LabelFraction">Share of the collection's wall time spent labelling.</param>
/// <param name="StepWaitFraction">Share spent waiting for env steps the labelling could not hide.</param>
/// <param name="CommitFraction">Share spent writing and committing shards (the final commit, and waits for a background one).</param>
/// <param name="SetupFraction">Share spent waiting for environments being made and first reset.</param>
/// <param name="SteadyStatesPerS">States/s of the collection once the environments run (setup excluded).</param>
/// <param name="EnvStatesPerS">States/s of one env group stepping alone (random actions, one thread).</param>
/// <param name="LabelCpuMs">CPU per state of labelling alone (all libtorch threads).</param>
/// <param name="EnvCpuMs">CPU per state of env stepping alone.</param>
/// <param name="CollectCpuMs">CPU per state of the whole collection (process).</param>
/// <param name="CollectEnvCpuMs">CPU per state of env stepping inside the collection.</param>
/// <param name="CollectSetupCpuMs">CPU per state of making and first resetting the collection's environments (one-time).</param>
/// <param name="EnvSetupMsPerEnv">Wall milliseconds to make and reset one environment (alone).</param>
/// <param name="BenchLabelStatesPerS">States/s of labelling alone at <c>bench label</c>'s batch (<see cref="LabelWorkload.Batch"/>) by the faster
/// of libtorch's intra-op threads and batch shards (<see cref="BenchLabelThreadsStatesPerS"/>, <see cref="BenchLabelShardsStatesPerS"/>), null when not measured.</param>
/// <param name="BenchLabelThreadsStatesPerS">The same with the whole batch on libtorch's intra-op threads.</param>
/// <param name="BenchLabelShardsStatesPerS">The same with one shard per libtorch thread (<see cref="ShardThreads.Auto"/>), each single-threaded.</param>
/// <param name="LabelShards">Shards the collector (and the label-only rate at its batch) labelled with; 1 = libtorch's intra-op threads.</param>
public sealed record CollectBenchRepeat(double CollectStatesPerS, double LabelStatesPerS, double LabelFraction, double StepWaitFraction, double CommitFraction,
    double SetupFraction, double SteadyStatesPerS, double EnvStatesPerS, double LabelCpuMs, double EnvCpuMs, double CollectCpuMs, double CollectEnvCpuMs,
    double CollectSetupCpuMs, double EnvSetupMsPerEnv, double? BenchLabelStatesPerS, double? BenchLabelThreadsStatesPerS, double? BenchLabelShardsStatesPerS,
    int LabelShards)
{
    /// <summary>Collection rate over labelling-only rate at the same batch (1 = labelling is the only cost).</summary>
    public double Ratio => CollectStatesPerS / LabelStatesPerS;

    /// <summary>Steady collection rate over labelling-only rate.</summary>
    public double SteadyRatio => SteadyStatesPerS / LabelStatesPerS;

    /// <summary>Collection rate over the labelling-only rate at <c>bench label</c>'s batch (the target measure).</summary>
    public double? BenchLabelRatio => CollectStatesPerS / BenchLabelStatesPerS;

    /// <summary>
    /// The best <see cref="Ratio"/> the CPU allows when labelling alone keeps every core busy: label CPU / (label CPU +
    /// env CPU) per state. Stepping needs its CPU too, so no pipeline can beat it; independent of the machine's load.
    /// </summary>
    public double CpuBoundRatio => LabelCpuMs / (LabelCpuMs + EnvCpuMs);
}

/// <summary>
/// <c>bench collect</c>: end-to-end collection states/s into a temporary dataset, beside the label-only rate of the same
/// teacher at the collector's batch (one env group, ⌈E/2⌉ states) and thread count, and the env-only rate of one group,
/// interleaved so all see the same machine load. CPU time per state of each part is reported beside the rates: it is
/// less disturbed by other processes, and says whether labelling and stepping can both fit the cores.
/// </summary>
public static class CollectBenchmark
{
    /// <summary>Teacher name that makes a randomly initialised (seed 0) Nature-DQN CNN for the environment (input/255).</summary>
    public const string NatureTeacher = "nature";

    /// <summary>
    /// Runs <paramref name="repeats"/> repetitions of: label-only rate, a collection of <see cref="CollectionOptions.States"/>
    /// states into a fresh temporary directory, label-only rate again. <paramref name="teacherPath"/> may be
    /// <see cref="NatureTeacher"/>. With <paramref name="keep"/>, the last repetition's dataset is written there and kept
    /// (a generated teacher too, as <c>KEEP.teacher.onnx</c>), e.g. for <c>bench sample</c>. With
    /// <paramref name="compareBenchLabel"/>, the label-only rate at <c>bench label</c>'s batch is measured too.
    /// </summary>
    public static IReadOnlyList<CollectBenchRepeat> Run(CollectionOptions options, string teacherPath, Device device, double labelSeconds, int repeats,
        Action<string>? log = null, string? keep = null, bool compareBenchLabel = true)
    {
        if (keep != null && (Directory.Exists(keep) || File.Exists(keep)))
            throw new UserErrorException($"`keep` {keep} already exists; give a new directory");
        string dir = Directory.CreateTempSubdirectory("sobolevrl-bench-collect-").FullName;
        try
        {
            var registry = EnvRegistry.CreateDefault();
            options = CollectionJob.WithoutEnvFrameStack(options, registry);
            if (teacherPath == NatureTeacher)
                teacherPath = ExportNatureTeacher(registry, options, keep != null ? Path.GetFullPath(keep) + ".teacher.onnx" : Path.Combine(dir, "nature.onnx"));
            using var teacher = TeacherLoader.Load(teacherPath, device);
            var results = new List<CollectBenchRepeat>();
            int batch = options.Envs >= 2 ? (options.Envs + 1) / 2 : options.Envs;
            int shards = options.LabelShards > 0 ? options.LabelShards : ShardThreads.Auto(device);
            using var states = rand([batch, .. teacher.ObservationShape], device: device).Times(255);
            using var benchStates = compareBenchLabel ? rand([LabelWorkload.Batch, .. teacher.ObservationShape], device: device).Times(255) : null;
            Func<int, IEnv> makeEnv = _ => registry.Make(options.EnvId, new EnvOptions(options.EnvOptions));
            for (int r = 0; r < repeats; r++)
            {
                var (before, beforeCpu) = LabelRate(teacher, states, options.Labels, labelSeconds, shards);
                var (setupMs, envRate, envCpuMs) = EnvRate(makeEnv, batch);
                var job = new CollectionJobOptions
                {
                    Collection = options,
                    TeacherPath = teacherPath,
                    OutDir = keep != null && r == repeats - 1 ? keep : Path.Combine(dir, $"data-{r}"),
                    Device = device,
                    Registry = registry,
                };
                var run = CollectionJob.Run(job).Run;
                var (after, afterCpu) = LabelRate(teacher, states, options.Labels, labelSeconds, shards);
                // bench label's reference is the faster labelling path at its batch, so a ratio against it never flatters.
                double? benchThreads = benchStates is null ? null : LabelRate(teacher, benchStates, options.Labels, labelSeconds, 1).StatesPerS;
                double? benchShards = benchStates is null ? null : LabelRate(teacher, benchStates, options.Labels, labelSeconds, ShardThreads.Auto(device)).StatesPerS;
                double? benchLabel = benchStates is null ? null : Math.Max(benchThreads!.Value, benchShards!.Value);
                double perState = 1000.0 / Math.Max(run.NewStates, 1);
                var rep = new CollectBenchRepeat(run.StatesPerSecond, (before + after) / 2, run.LabelSeconds / run.Seconds,
                    run.StepWaitSeconds / run.Seconds, run.CommitSeconds / run.Seconds, run.SetupSeconds / run.Seconds, run.SteadyStatesPerSecond,
                    envRate, (beforeCpu + afterCpu) / 2, envCpuMs, run.Cpu.Total * perState, run.Cpu.EnvSteps * perState, run.Cpu.EnvSetup * perState, setupMs, benchLabel,
                    benchThreads, benchShards, shards);
                results.Add(rep);
                if (job.OutDir != keep) Directory.Delete(job.OutDir, recursive: true);
                log?.Invoke(FormattableString.Invariant($"repeat {r + 1}: collect {rep.CollectStatesPerS:F0} states/s, label only {rep.LabelStatesPerS:F0} states/s ({shards} shards; before {before:F0}, after {after:F0}), ratio {rep.Ratio:F2} (without setup: {rep.SteadyStatesPerS:F0} states/s, ratio {rep.SteadyRatio:F2}); bench label (batch {LabelWorkload.Batch}) {benchLabel:F0} states/s (threads {benchThreads:F0}, shards {benchShards:F0}), ratio {rep.BenchLabelRatio:F2}; time waiting for env setup {rep.SetupFraction:P0}, labelling {rep.LabelFraction:P0}, waiting for steps {rep.StepWaitFraction:P0}, committing {rep.CommitFraction:P0}; env alone {rep.EnvStatesPerS:F0} states/s; CPU ms/state: label {rep.LabelCpuMs:F2}, env {rep.EnvCpuMs:F2}, collection {rep.CollectCpuMs:F2} (env steps {rep.CollectEnvCpuMs:F2}, env setup {rep.CollectSetupCpuMs:F2}), best ratio the CPU allows {rep.CpuBoundRatio:F2}; env make+reset {rep.EnvSetupMsPerEnv:F0} ms/env"));
            }
            return results;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// States/s of <see cref="Labeler.Label(ShardThreads, IPolicy, Tensor, LabelMode, Generator?, long, Tensor?)"/> on
    /// <paramref name="states"/> (one batch per call) in <paramref name="shards"/> shards (1: libtorch's intra-op
    /// threads), and CPU milliseconds per state.
    /// </summary>
    public static (double StatesPerS, double CpuMsPerState) LabelRate(IPolicy teacher, Tensor states, LabelMode mode, double seconds, int shards = 1)
    {
        using var projections = new Generator(1, teacher.Device);
        using var threads = new ShardThreads(shards);
        var (calls, cpuMs) = Timing.Measure(() =>
        {
            using var scope = NewDisposeScope();
            using var labels = Labeler.Label(threads, teacher, states, mode, projections);
            // The collector copies labels to the CPU; so does the measurement.
            _ = labels.Logits.cpu();
            _ = labels.GradLabels?.cpu();
        }, seconds);
        return (states.shape[0] * calls, cpuMs / states.shape[0]);
    }

    /// <summary>
    /// One env group alone, as the collector runs it (a vector env of <paramref name="count"/> sub-envs on one thread):
    /// wall milliseconds to make and reset one env, then states/s and CPU milliseconds per state under random actions
    /// (at least 1,000 steps; episodes end and restart as in a collection).
    /// </summary>
    public static (double SetupMsPerEnv, double StatesPerS, double CpuMsPerState) EnvRate(Func<int, IEnv> makeEnv, int count)
    {
        int timed = Math.Min(count, 4); // a few suffice for the setup cost per env
        var clock = Stopwatch.StartNew();
        using (var vector = new SyncVectorEnv(makeEnv, timed))
            vector.Reset(0, new byte[timed * vector.SingleObservationSpace.Size]);
        double setupMs = clock.Elapsed.TotalMilliseconds / timed;
        var result = EnvBenchmark.RunVector(makeEnv, count, 1, Math.Max(20L * count, 1000), warmUp: TimeSpan.FromMilliseconds(200));
        return (setupMs, result.StepsPerSecond, (result.CpuSeconds ?? 0) * 1000 / result.Steps);
    }

    /// <summary>Exports a Nature-DQN CNN (seed 0) sized for the environment with frame stack 4 (1 channel frames) to <paramref name="path"/>.</summary>
    public static string ExportNatureTeacher(EnvRegistry registry, CollectionOptions options, string path)
    {
        int actions;
        int[] frame;
        using (IEnv env = registry.Make(options.EnvId, new EnvOptions(options.EnvOptions)))
        {
            actions = env.ActionSpace.N;
            frame = env.ObservationSpace.Shape;
        }
        long channels = frame[0] == 1 ? 4 : frame[0];
        long[] shape = [channels, frame[1], frame[2]];
        if (frame[1] != 84 || frame[2] != 84)
            throw new UserErrorException($"`teacher` {NatureTeacher} needs 84×84 frames, {options.EnvId} gives {frame[1]}×{frame[2]}: give a teacher file");
        torch.manual_seed(0);
        using var net = PolicyNetworks.NatureCnn(actions, inChannels: (int)channels);
        OnnxExporter.Export(net, shape, path);
        new ModelCard
        {
            Architecture = "Nature DQN CNN, randomly initialised (seed 0): benchmark teacher",
            Actions = actions,
            Input = new ModelInput { Scale = 1.0 / 255.0, Shape = shape },
        }.Write(ModelCard.PathFor(path));
        return path;
    }
}
