using SobolevRL.Replay;
using SobolevRL.Teachers;

namespace SobolevRL.Collection;

/// <summary>How teacher acting is turned into actions.</summary>
public enum ActingMode
{
    /// <summary>Argmax of the acting policy's logits (with ε-greedy exploration when ε &gt; 0).</summary>
    Greedy,
    /// <summary>Sample from softmax(z/τ) with the acting temperature τ.</summary>
    Sample,
}

/// <summary>Settings of a collection (everything a manifest records about how data was collected).</summary>
public sealed record CollectionOptions
{
    /// <summary>Environment id.</summary>
    public string EnvId { get; init; } = "MinAtar/Breakout-v1";

    /// <summary>Environment options.</summary>
    public Dictionary<string, string> EnvOptions { get; init; } = [];

    /// <summary>States to collect in all.</summary>
    public long States { get; init; } = 10_000;

    /// <summary>Gradient labels.</summary>
    public LabelMode Labels { get; init; } = LabelMode.Vjp(1);

    /// <summary>Storage type of gradient labels.</summary>
    public GradDtype GradDtype { get; init; } = GradDtype.Float16;

    /// <summary>Who acts.</summary>
    public DriverSpec Driver { get; init; } = DriverSpec.Teacher;

    /// <summary>When a mixture draws who acts.</summary>
    public MixPer MixPer { get; init; } = MixPer.Episode;

    /// <summary>Greedy or sampled acting.</summary>
    public ActingMode Acting { get; init; } = ActingMode.Greedy;

    /// <summary>Probability of a uniformly random action.</summary>
    public double Epsilon { get; init; }

    /// <summary>Temperature of sampled acting.</summary>
    public double ActingTemperature { get; init; } = 1.0;

    /// <summary>Env slots E (split in two groups that alternate stepping and labelling when E ≥ 2).</summary>
    public int Envs { get; init; } = 8;

    /// <summary>Worker threads per env group (1: the group steps on one thread).</summary>
    public int EnvThreads { get; init; } = 1;

    /// <summary>
    /// Threads the teacher labels a group's batch on: the batch is split into this many shards labelled at once, each on
    /// its own thread with one libtorch thread (<see cref="Hardware.ShardThreads"/>); 1 (the default) labels the whole
    /// batch with libtorch's own intra-op threads; 0 picks <see cref="Hardware.ShardThreads.Auto"/> (libtorch's thread
    /// count on a CPU). Shards label faster (≈ 1.4× at batch 8 on 2 cores) but their labels are not bit-reproducible from
    /// run to run (last-bit differences, ≈ 1e-7 relative: a process computes all its labels one of a few ways), so the
    /// default keeps reruns and resumes byte-identical. Not recorded: it changes only float rounding, not what is collected.
    /// </summary>
    public int LabelShards { get; init; } = 1;

    /// <summary>Collection seed.</summary>
    public long Seed { get; init; }

    /// <summary>Fraction of episodes held out.</summary>
    public double HeldOutFraction { get; init; } = 0.1;

    /// <summary>How the held-out episodes are chosen (<see cref="HeldOutSplit"/>).</summary>
    public HeldOutSplit Split { get; init; } = HeldOutSplit.Episodes;

    /// <summary>True when <paramref name="episode"/> belongs to the held-out split under <see cref="Split"/>.</summary>
    public bool IsHeldOut(long episode) => Split == HeldOutSplit.Episodes
        ? EpisodeSeeds.IsHeldOut(Seed, episode, HeldOutFraction)
        : EpisodeSeeds.IsHeldOutSlot(Seed, (int)(episode % Envs), HeldOutFraction, Envs);

    /// <summary>Frame-stack depth k.</summary>
    public int FrameStack { get; init; } = 1;

    /// <summary>
    /// Store a recurrent teacher's state before every step with the state (<c>teacher_state.npy</c>, N × S floats; for
    /// analysis or for students that take it); refused for a feed-forward teacher.
    /// </summary>
    public bool StoreTeacherState { get; init; }

    /// <summary>States per shard; 0 picks about 256 MB per shard.</summary>
    public int ShardStates { get; init; }

    /// <summary>Checks ranges; throws <see cref="UserErrorException"/> naming the option.</summary>
    public void Validate()
    {
        if (States < 1) throw new UserErrorException($"`states` {States}: must be >= 1");
        if (Envs < 1) throw new UserErrorException($"`envs` {Envs}: must be >= 1");
        if (EnvThreads < 1) throw new UserErrorException($"`env_threads` {EnvThreads}: must be >= 1");
        if (LabelShards < 0) throw new UserErrorException($"`label_shards` {LabelShards}: must be >= 0 (0: one per libtorch thread)");
        if (Epsilon is < 0 or > 1) throw new UserErrorException($"`epsilon` {Epsilon}: must be in [0, 1]");
        if (!(ActingTemperature > 0)) throw new UserErrorException($"`temperature` {ActingTemperature}: must be > 0");
        if (HeldOutFraction is < 0 or >= 1) throw new UserErrorException($"`heldout_fraction` {HeldOutFraction}: must be in [0, 1)");
        if (Split == HeldOutSplit.Streams && HeldOutFraction > 0 && Envs < 2)
            throw new UserErrorException($"`split` streams holds out whole env streams and needs `envs` >= 2 (got {Envs}); use more envs or `split` episodes");
        if (FrameStack < 1) throw new UserErrorException($"`frame_stack` {FrameStack}: must be >= 1");
        if (ShardStates < 0) throw new UserErrorException($"`shard_states` {ShardStates}: must be >= 0");
    }

    /// <summary>The manifest record of these settings.</summary>
    public CollectionRecord ToRecord(int shardStates, string? studentSha256) => new()
    {
        Driver = Driver.ToString(),
        StudentSha256 = studentSha256,
        MixPer = MixPer == MixPer.Step ? "step" : "episode",
        Acting = Acting == ActingMode.Sample ? "sample" : "greedy",
        Epsilon = Epsilon,
        ActingTemperature = ActingTemperature,
        Envs = Envs,
        Seed = Seed,
        HeldOutFraction = HeldOutFraction,
        Split = Split == HeldOutSplit.Streams ? HeldOutSplits.Streams : HeldOutSplits.Episodes,
        TargetStates = States,
        ShardStates = shardStates,
    };
}

/// <summary>The rule that picks the held-out episodes of a collection (recorded in the manifest as <c>split</c>).</summary>
public enum HeldOutSplit
{
    /// <summary>Each episode independently, with probability the held-out fraction (by a hash of seed and episode id). Needs finished episodes to be fair: episodes longer than the collection leave one partial episode per env, often none held out.</summary>
    Episodes,

    /// <summary>Whole env streams: every episode run in the held-out env slots (round(fraction · envs) of them, at least one, never all), finished or not. Works however long the episodes are; needs ≥ 2 envs.</summary>
    Streams,
}

/// <summary>Names of <see cref="HeldOutSplit"/> on the command line and in manifests, and the rule of the <c>auto</c> default.</summary>
public static class HeldOutSplits
{
    /// <summary>Manifest and option name of <see cref="HeldOutSplit.Episodes"/> (also what a manifest without the field means).</summary>
    public const string Episodes = "episodes";

    /// <summary>Manifest and option name of <see cref="HeldOutSplit.Streams"/>.</summary>
    public const string Streams = "streams";

    /// <summary>Option value that picks <see cref="Streams"/> for Atari (<c>ALE/</c>) ids with at least 2 envs, whose episodes run to thousands of steps, and <see cref="Episodes"/> otherwise.</summary>
    public const string Auto = "auto";

    /// <summary>The rule named <paramref name="name"/> for a collection of <paramref name="envId"/> on <paramref name="envs"/> envs.</summary>
    public static HeldOutSplit Parse(string name, string envId, int envs) => name switch
    {
        Episodes => HeldOutSplit.Episodes,
        Streams => HeldOutSplit.Streams,
        Auto => envId.StartsWith("ALE/", StringComparison.Ordinal) && envs >= 2 ? HeldOutSplit.Streams : HeldOutSplit.Episodes,
        _ => throw new UserErrorException($"{UserErrorException.Key("split")} {name}: not {Episodes}, {Streams} or {Auto}"),
    };
}
