using SobolevRL.Envs.Core;
using SobolevRL.Envs.Registry;
using SobolevRL.Onnx;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Teachers;

/// <summary>Small teachers exported to ONNX in a temporary directory, and MinAtar states.</summary>
public sealed class TeacherFixtures : IDisposable
{
    public const string Env = "MinAtar/Breakout-v1";

    public string Dir { get; } = Directory.CreateTempSubdirectory("teacher-tests").FullName;

    public void Dispose() => Directory.Delete(Dir, recursive: true);

    public static (int[] Shape, int Actions) EnvSpaces()
    {
        using IEnv env = EnvRegistry.CreateDefault().Make(Env, new EnvOptions());
        return (env.ObservationSpace.Shape, env.ActionSpace.N);
    }

    public static byte[] EnvStates(int count, long seed = 0)
    {
        using IEnv env = EnvRegistry.CreateDefault().Make(Env, new EnvOptions());
        return RandomRolloutStates.Collect(env, count, seed);
    }

    /// <summary>A smooth (tanh) conv net for the Breakout grid, seeded.</summary>
    public static nn.Module<Tensor, Tensor> SmoothNet(int channels, int actions, long seed = 5)
    {
        torch.manual_seed(seed);
        return nn.Sequential(nn.Conv2d(channels, 4, 3), nn.Tanh(), nn.Flatten(), nn.Linear(4 * 8 * 8, 16), nn.Tanh(), nn.Linear(16, actions));
    }

    /// <summary>Exports <paramref name="net"/> as <paramref name="name"/>.onnx with an optional card.</summary>
    public string Export(nn.Module net, long[] inputShape, string name, ModelCard? card = null)
    {
        string path = Path.Combine(Dir, name + ".onnx");
        OnnxExporter.Export(net, inputShape, path);
        card?.Write(ModelCard.PathFor(path));
        return path;
    }
}
