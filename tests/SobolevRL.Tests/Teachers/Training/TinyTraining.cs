using SobolevRL.Envs.Core;
using SobolevRL.Envs.Registry;
using SobolevRL.Runs;
using SobolevRL.Teachers.Training;

namespace SobolevRL.Tests.Teachers.Training;

/// <summary>Small, fast PPO settings and helpers shared by the training tests.</summary>
internal static class TinyTraining
{
    public static PpoOptions Options(long seed, long frames) => new()
    {
        Env = "MinAtar/Breakout-v1",
        Frames = frames,
        NumEnvs = 8,
        RolloutSteps = 64,
        LearningRate = 2e-3,
        Seed = seed,
        CheckpointEvery = 1000,
    };

    public static RunDirectory NewRun() => RunDirectory.Create("ppo-test", Directory.CreateTempSubdirectory("sobolevrl-ppo-").FullName);

    public static IEnv MakeEnv(string id = "MinAtar/Breakout-v1") =>
        EnvRegistry.CreateDefault().Make(id, new EnvOptions(new Dictionary<string, string> { ["sticky_action_prob"] = "0.1" }));

    public static void Delete(RunDirectory run)
    {
        try { Directory.Delete(run.Path, recursive: true); } catch (IOException) { }
    }
}
