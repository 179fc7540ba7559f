using SobolevRL.Collection;
using SobolevRL.Envs.Core;
using SobolevRL.Envs.Registry;
using SobolevRL.Runs;

namespace SobolevRL.Tests.Replay;

/// <summary>Small real collections for tests: MinAtar Breakout driven by a randomly initialised MinAtar CNN.</summary>
internal static class ReplayTestData
{
    public const string Env = "MinAtar/Breakout-v1";

    public static IEnv MakeEnv() => EnvRegistry.CreateDefault().Make(Env);

    public static ModulePolicy Teacher(int frameStack = 1, long seed = 3)
    {
        using var env = MakeEnv();
        var s = env.ObservationSpace.Shape;
        torch.manual_seed(seed);
        var net = PolicyNetworks.MinAtarCnn(s[0] * frameStack, env.ActionSpace.N, channels: 4, hidden: 16);
        return new ModulePolicy(net, [s[0] * frameStack, s[1], s[2]], env.ActionSpace.N);
    }

    public static CollectionOptions Options(long states = 300, int frameStack = 1, string labels = "full") => new()
    {
        EnvId = Env,
        States = states,
        Labels = LabelMode.Parse(labels),
        Envs = 4,
        Seed = 1,
        Epsilon = 0.2,
        HeldOutFraction = 0.3,
        FrameStack = frameStack,
        ShardStates = 64,
    };

    public static DatasetManifest Manifest(CollectionOptions options)
    {
        using var env = MakeEnv();
        return Collector.NewManifest(options, env.ObservationSpace, env.ActionSpace.N, new TeacherRecord { Path = "test", Sha256 = "none" }, null);
    }

    public static CollectionResult Collect(string directory, CollectionOptions options, IPolicy teacher) =>
        CollectUntil(directory, options, teacher, null, TestContext.Current.CancellationToken);

    public static CollectionResult CollectUntil(string directory, CollectionOptions options, IPolicy teacher, IProgress<ProgressInfo>? progress, CancellationToken cancel)
    {
        using var writer = DatasetWriter.Create(directory, Manifest(options));
        return Collector.Run(teacher, null, _ => MakeEnv(), writer, options, progress, cancel);
    }

    public static string TempDirectory()
    {
        string dir = Path.Combine(Path.GetTempPath(), "sobolevrl-replay-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.GetDirectoryName(dir)!);
        return dir;
    }

    /// <summary>Reads every row's (episode, step) from a reader.</summary>
    public static List<(long Episode, int Step, long Row)> Rows(DatasetReader reader)
    {
        var list = new List<(long, int, long)>();
        foreach (var shard in reader.Shards)
            for (long r = 0; r < shard.Rows; r++)
                list.Add((shard[ReplayArrays.Episode].Get<long>(r), shard[ReplayArrays.Step].Get<int>(r), shard.FirstRow + r));
        return list;
    }
}

/// <summary>A progress sink that runs an action synchronously on every report.</summary>
internal sealed class ActionProgress(Action<ProgressInfo> action) : IProgress<ProgressInfo>
{
    public void Report(ProgressInfo value) => action(value);
}
