using SobolevRL.Collection;
using SobolevRL.Envs.Registry;
using SobolevRL.Runs;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Distillation;

/// <summary>Real MinAtar states labelled by a real (randomly initialised, sharpened) TorchSharp teacher.</summary>
public static class DistillFixtures
{
    public const string EnvId = "MinAtar/Breakout-v1";

    /// <summary>
    /// One intra-op thread for the distillation tests. Not needed for correctness any more: the inconsistent 2-thread
    /// conv results came from oneDNN (now off, Hardware/OneDnnConvolutionWorkaround), and the resume and determinism
    /// tests also pass with 2 threads. One thread keeps these small tests from contending with parallel test classes.
    /// </summary>
    public static void SingleThread() => torch.set_num_threads(1);

    private static readonly Lazy<InMemoryDataset> FullLabels = new(() => Collect(LabelMode.Full, 600));
    private static readonly Lazy<InMemoryDataset> VjpLabels = new(() => Collect(LabelMode.Vjp(2), 300));

    /// <summary>A shared dataset with full-Jacobian labels (do not dispose).</summary>
    public static InMemoryDataset Full => FullLabels.Value;

    /// <summary>A shared dataset with vjp:2 labels (do not dispose).</summary>
    public static InMemoryDataset Vjp => VjpLabels.Value;

    private static readonly Lazy<ModulePolicy> SharedTeacher = new(() =>
    {
        using var env = EnvRegistry.CreateDefault().Make(EnvId);
        return SmokeDataset.Teacher(env.ObservationSpace.Shape.Select(d => (long)d).ToArray(), env.ActionSpace.N);
    });

    /// <summary>The teacher that labelled <see cref="Full"/> and <see cref="Vjp"/> (do not dispose).</summary>
    public static ModulePolicy LabellingTeacher => SharedTeacher.Value;

    public static InMemoryDataset Collect(LabelMode mode, int states)
    {
        SingleThread();
        return SmokeDataset.Create(EnvId, states, mode);
    }

    public static DistillOptions Options(string sobolev = "off", long steps = 60, string student = "minatar:4,32") => new()
    {
        Student = student,
        Seed = 3,
        Loss = new LossOptions { Sobolev = sobolev },
        Optim = new OptimOptions { LearningRate = 3e-3, BatchSize = 32, Steps = steps },
        Logging = new LoggingOptions { MetricsEvery = 10, CheckpointEvery = 20, EvalEvery = 30, HeldOutStates = 256 },
    };

    public static string TempDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "sobolevrl-distill-" + Guid.NewGuid().ToString("N")[..8]);
        return dir;
    }

    public static void Delete(string dir)
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, true);
    }

    public static DistillSummary Train(DistillOptions options, IReplayDataset data, string dir, bool resume = false)
    {
        SingleThread();
        return DistillTrainer.Train(new DistillSetup(options, data, RunDirectory.Create("t", dir, resume), CPU, resume));
    }
}
