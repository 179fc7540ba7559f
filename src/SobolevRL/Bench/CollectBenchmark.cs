using SobolevRL.Collection;
using SobolevRL.Envs.Core;
using SobolevRL.Envs.Registry;
using SobolevRL.Onnx;
using SobolevRL.Policies;
using SobolevRL.Runs;
using SobolevRL.Teachers;
using TorchSharp;
using static TorchSharp.torch;
using SobolevRL.Hardware;

namespace SobolevRL.Bench;

/// <summary>One side-by-side repetition of <see cref="CollectBenchmark"/>.</summary>
/// <param name="CollectStatesPerS">States/s of the whole collection (stepping, labelling, writing and committing shards).</param>
/// <param name="LabelStatesPerS">States/s of labelling alone, same teacher, labels and batch, measured right before and after (mean).</param>
/// <param name="LabelFraction">Share of the collection's wall time spent labelling.</param>
/// <param name="StepWaitFraction">Share spent waiting for env steps the labelling could not hide.</param>
/// <param name="CommitFraction">Share spent writing and committing shards.</param>
/// <param name="SetupFraction">Share spent making and first resetting the environments.</param>
/// <param name="SteadyStatesPerS">States/s of the collection once the environments run (setup excluded).</param>
public sealed record CollectBenchRepeat(double CollectStatesPerS, double LabelStatesPerS, double LabelFraction, double StepWaitFraction, double CommitFraction,
    double SetupFraction, double SteadyStatesPerS)
{
    /// <summary>Collection rate over labelling-only rate (1 = labelling is the only cost).</summary>
    public double Ratio => CollectStatesPerS / LabelStatesPerS;

    /// <summary>Steady collection rate over labelling-only rate.</summary>
    public double SteadyRatio => SteadyStatesPerS / LabelStatesPerS;
}

/// <summary>
/// <c>bench collect</c>: end-to-end collection states/s into a temporary dataset, beside the label-only rate of the same
/// teacher at the collector's batch (one env group, ⌈E/2⌉ states), interleaved so both see the same machine load.
/// </summary>
public static class CollectBenchmark
{
    /// <summary>Teacher name that makes a randomly initialised (seed 0) Nature-DQN CNN for the environment (input/255).</summary>
    public const string NatureTeacher = "nature";

    /// <summary>
    /// Runs <paramref name="repeats"/> repetitions of: label-only rate, a collection of <see cref="CollectionOptions.States"/>
    /// states into a fresh temporary directory, label-only rate again. <paramref name="teacherPath"/> may be
    /// <see cref="NatureTeacher"/>. With <paramref name="keep"/>, the last repetition's dataset is written there and kept
    /// (a generated teacher too, as <c>KEEP.teacher.onnx</c>), e.g. for <c>bench sample</c>.
    /// </summary>
    public static IReadOnlyList<CollectBenchRepeat> Run(CollectionOptions options, string teacherPath, Device device, double labelSeconds, int repeats,
        Action<string>? log = null, string? keep = null)
    {
        if (keep != null && (Directory.Exists(keep) || File.Exists(keep)))
            throw new UserErrorException($"--keep {keep} already exists; give a new directory");
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
            using var states = rand([batch, .. teacher.ObservationShape], device: device).Times(255);
            for (int r = 0; r < repeats; r++)
            {
                double before = LabelRate(teacher, states, options.Labels, labelSeconds);
                var job = new CollectionJobOptions
                {
                    Collection = options,
                    TeacherPath = teacherPath,
                    OutDir = keep != null && r == repeats - 1 ? keep : Path.Combine(dir, $"data-{r}"),
                    Device = device,
                    Registry = registry,
                };
                var run = CollectionJob.Run(job).Run;
                double after = LabelRate(teacher, states, options.Labels, labelSeconds);
                var rep = new CollectBenchRepeat(run.StatesPerSecond, (before + after) / 2, run.LabelSeconds / run.Seconds,
                    run.StepWaitSeconds / run.Seconds, run.CommitSeconds / run.Seconds, run.SetupSeconds / run.Seconds, run.SteadyStatesPerSecond);
                results.Add(rep);
                if (job.OutDir != keep) Directory.Delete(job.OutDir, recursive: true);
                log?.Invoke(FormattableString.Invariant($"repeat {r + 1}: collect {rep.CollectStatesPerS:F0} states/s, label only {rep.LabelStatesPerS:F0} states/s (before {before:F0}, after {after:F0}), ratio {rep.Ratio:F2} (without setup: {rep.SteadyStatesPerS:F0} states/s, ratio {rep.SteadyRatio:F2}); time setting up envs {rep.SetupFraction:P0}, labelling {rep.LabelFraction:P0}, waiting for steps {rep.StepWaitFraction:P0}, committing {rep.CommitFraction:P0}"));
            }
            return results;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>States/s of <see cref="Labeler.Label"/> on <paramref name="states"/> (one batch per call).</summary>
    public static double LabelRate(IPolicy teacher, Tensor states, LabelMode mode, double seconds)
    {
        using var projections = new Generator(1, teacher.Device);
        return states.shape[0] * Timing.CallsPerSecond(() =>
        {
            using var scope = NewDisposeScope();
            using var labels = Labeler.Label(teacher, states, mode, projections);
            // The collector copies labels to the CPU; so does the measurement.
            _ = labels.Logits.cpu();
            _ = labels.Gradients?.cpu();
        }, seconds);
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
            throw new UserErrorException($"--teacher {NatureTeacher} needs 84×84 frames, {options.EnvId} gives {frame[1]}×{frame[2]}: give a teacher file");
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
