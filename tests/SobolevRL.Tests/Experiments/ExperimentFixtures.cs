using SobolevRL.Experiments;

namespace SobolevRL.Tests.Experiments;

/// <summary>Tiny sizes for the demo and experiment pipelines: the same code paths as the full runs, seconds instead of minutes.</summary>
internal static class ExperimentFixtures
{
    public static DatasetPlan Data(long states = 500) => new()
    {
        Teacher = RepoFile("agents/minatar/breakout/policy.onnx"),
        States = states,
        Envs = 4,
        HeldOutFraction = 0.3,
        Seed = 5,
    };

    public static DistillOptions Distill(long steps = 30) => new()
    {
        Student = "minatar:4,16",
        Optim = new OptimOptions { Steps = steps, BatchSize = 16, LearningRate = 3e-3 },
        Logging = new LoggingOptions { MetricsEvery = 10, CheckpointEvery = 10, EvalEvery = 0, HeldOutStates = 128 },
    };

    public static string TempDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "sobolevrl-experiments-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }
}
