using System.Globalization;
using SobolevRL.Envs.Registry;
using SobolevRL.Envs.Core;
using SobolevRL.Policies;
using SobolevRL.Replay;
using SobolevRL.Teachers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SobolevRL.Collection;

/// <summary>
/// A small in-memory dataset for smoke tests and examples of the distillation pipeline without a trained teacher: real
/// MinAtar states visited and labelled by a randomly initialised MinAtar CNN teacher whose output layer is scaled ×25
/// (a peaked, non-trivial policy). Collected by the one producer, <see cref="Collector"/> (<see cref="Options"/>: actions
/// sampled from the teacher, whole env streams held out), into a temporary directory read back into memory. Written on the command line as <c>smoke:ENV,STATES,LABELS</c>, e.g.
/// <c>smoke:MinAtar/Breakout-v1,600,full</c>.
/// </summary>
public static class SmokeDataset
{
    /// <summary>Prefix of a smoke dataset source on the command line.</summary>
    public const string Prefix = "smoke:";

    /// <summary>Seed of the teacher's weights (the same teacher for every smoke dataset of an environment).</summary>
    public const long TeacherSeed = 1234;

    /// <summary>Parses <c>smoke:ENV,STATES,LABELS</c> and collects the dataset (episodes from seeds <paramref name="seed"/>, …).</summary>
    public static InMemoryDataset Parse(string source, long seed = 7)
    {
        var parts = source[Prefix.Length..].Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 3 || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int states) || states < 8)
            throw new UserErrorException($"`data` {source}: expected smoke:ENV,STATES,LABELS with STATES >= 8, e.g. smoke:MinAtar/Breakout-v1,600,full");
        return Create(parts[0], states, LabelMode.Parse(parts[2]), seed);
    }

    /// <summary>The teacher of smoke datasets of an environment with <paramref name="shape"/> observations and <paramref name="actions"/> actions.</summary>
    public static ModulePolicy Teacher(long[] shape, int actions)
    {
        if (shape.Length != 3 || shape[1] != 10 || shape[2] != 10)
            throw new UserErrorException($"smoke datasets need a 10x10 grid environment (MinAtar); this one has observations [{string.Join(", ", shape)}]");
        Sequential net;
        lock (TeacherLock)
        {
            manual_seed(TeacherSeed);
            net = PolicyNetworks.MinAtarCnn((int)shape[0], actions, channels: 8, hidden: 64);
        }
        using var fc2Scale = 25.0.ToScalar();
        using (no_grad())
            foreach (var (name, p) in net.named_parameters())
                if (name.StartsWith("fc2", StringComparison.Ordinal)) p.mul_(fc2Scale);
        return new ModulePolicy(net, shape, actions);
    }

    private static readonly Lock TeacherLock = new();

    /// <summary>SHA-256 field of a smoke dataset's teacher record (it has no file).</summary>
    public const string TeacherSha256 = "smoke-teacher-seed-1234";

    /// <summary>
    /// The collection settings of a smoke dataset: <paramref name="states"/> states on 4 env slots, actions sampled from
    /// the teacher's policy, float32 gradient labels, one env stream of the four held out.
    /// </summary>
    public static CollectionOptions Options(string envId, int states, LabelMode labels, long seed) => new()
    {
        EnvId = envId,
        States = states,
        Labels = labels,
        GradDtype = GradDtype.Float32,
        Acting = ActingMode.Sample,
        Envs = 4,
        Seed = seed,
        HeldOutFraction = 0.25,
        Split = HeldOutSplit.Streams,
    };

    /// <summary>Collects <paramref name="states"/> states of <paramref name="envId"/> labelled with <paramref name="labels"/> (collection seed <paramref name="seed"/>).</summary>
    public static InMemoryDataset Create(string envId, int states, LabelMode labels, long seed = 7)
    {
        var registry = EnvRegistry.CreateDefault();
        BoxSpace observation;
        int actions;
        using (var probe = registry.Make(envId))
        {
            observation = probe.ObservationSpace;
            actions = probe.ActionSpace.N;
        }
        using var teacher = Teacher(observation.Shape.Select(d => (long)d).ToArray(), actions);
        var options = Options(envId, states, labels, seed);
        var record = new TeacherRecord { Path = "", Sha256 = TeacherSha256, Temperature = teacher.Temperature };
        string dir = Path.Combine(Path.GetTempPath(), "sobolevrl-smoke-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var writer = DatasetWriter.Create(dir, Collector.NewManifest(options, observation, actions, record, studentSha256: null)))
                Collector.Run(teacher, null, _ => registry.Make(envId), writer, options);
            using var dataset = OnDiskDataset.Open(dir);
            return dataset.LoadIntoMemory();
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
