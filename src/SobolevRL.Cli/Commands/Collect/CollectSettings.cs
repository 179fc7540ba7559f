using SobolevRL.Collection;
using SobolevRL.Distillation;
using SobolevRL.Envs.Core;
using SobolevRL.Replay;
using SobolevRL.Teachers;

namespace SobolevRL.Cli.Commands.Collect;

/// <summary>Options of a collection (<c>collect</c> and <c>bench collect</c>): environment, teacher, labels, driver, env slots.</summary>
public class CollectSettings : DeviceSettings
{
    /// <summary>Environment id.</summary>
    [CommandOption("--env <ID>"), Description("Environment id, e.g. MinAtar/Breakout-v1 (see `sobolevrl env list`).")]
    public string? Env { get; init; }

    /// <summary>Environment options.</summary>
    [CommandOption("--env-option <KEY=VALUE>"), Description("Environment option (repeatable; see `sobolevrl env list`).")]
    public string[] EnvOption { get; init; } = [];

    /// <summary>Teacher file.</summary>
    [CommandOption("--teacher <FILE>"), Description("Teacher policy .onnx file that labels every state (its model card FILE.card.json is read when present).")]
    public string? Teacher { get; init; }

    /// <summary>Gradient labels.</summary>
    [CommandOption("--labels <MODE>"), Description("Gradient labels: full (whole Jacobian of the log-policy), vjp:K (K random projections) or none."), DefaultValue("vjp:1")]
    public string Labels { get; init; } = "vjp:1";

    /// <summary>Storage type of gradient labels.</summary>
    [CommandOption("--grad-dtype <TYPE>"), Description("Storage type of gradient labels: float16, bfloat16 or float32."), DefaultValue("float16")]
    public string GradDtype { get; init; } = "float16";

    /// <summary>Who acts.</summary>
    [CommandOption("--driver <DRIVER>"), Description("Who acts: teacher, student:FILE (ONNX file or distill run directory; the teacher still labels) or mix:β (teacher with probability β, needs --student)."), DefaultValue("teacher")]
    public string Driver { get; init; } = "teacher";

    /// <summary>Student of mixtures.</summary>
    [CommandOption("--student <FILE>"), Description("The student that acts in a mix:β driver (ONNX file or distill run directory).")]
    public string? Student { get; init; }

    /// <summary>When a mixture draws.</summary>
    [CommandOption("--mix-per <WHEN>"), Description("A mixture draws who acts once per episode or at every step."), DefaultValue("episode")]
    public string MixPer { get; init; } = "episode";

    /// <summary>Acting mode.</summary>
    [CommandOption("--acting <MODE>"), Description("greedy (argmax, with --epsilon) or sample (softmax(z/τ) with --acting-temperature)."), DefaultValue("greedy")]
    public string Acting { get; init; } = "greedy";

    /// <summary>ε-greedy.</summary>
    [CommandOption("--epsilon <EPS>"), Description("Probability of a uniformly random action."), DefaultValue(0.0)]
    public double Epsilon { get; init; }

    /// <summary>Temperature of sampled acting.</summary>
    [CommandOption("--acting-temperature <TAU>"), Description("Temperature of sampled acting (--acting sample)."), DefaultValue(1.0)]
    public double ActingTemperature { get; init; } = 1.0;

    /// <summary>Env slots.</summary>
    [CommandOption("--envs <E>"), Description("Env slots; two groups alternate so one steps while the teacher labels the other."), DefaultValue(8)]
    public int Envs { get; init; } = 8;

    /// <summary>Worker threads per env group.</summary>
    [CommandOption("--env-threads <N>"), Description("Worker threads stepping each env group."), DefaultValue(1)]
    public int EnvThreads { get; init; } = 1;

    /// <summary>Label shards.</summary>
    [CommandOption("--label-shards <N>"), Description("Threads labelling each batch at once, one libtorch thread each: faster, but labels then differ in the last bits from run to run (1: the whole batch on libtorch's intra-op threads, bit-reproducible; 0: one per libtorch thread)."), DefaultValue(1)]
    public int LabelShards { get; init; } = 1;

    /// <summary>Collection seed.</summary>
    [CommandOption("--seed <S>"), Description("Collection seed (env seeds, acting randomness, split and projections derive from it)."), DefaultValue(0L)]
    public long Seed { get; init; }

    /// <summary>Held-out fraction.</summary>
    [CommandOption("--heldout-fraction <F>"), Description("Fraction of episodes held out for evaluation."), DefaultValue(0.1)]
    public double HeldOutFraction { get; init; } = 0.1;

    /// <summary>Held-out split rule.</summary>
    [CommandOption("--split <RULE>"), Description("Held-out split: episodes (each episode with probability --heldout-fraction), streams (whole env streams, for episodes longer than the collection; needs --envs >= 2) or auto (streams for ALE ids, else episodes)."), DefaultValue(HeldOutSplits.Auto)]
    public string Split { get; init; } = HeldOutSplits.Auto;

    /// <summary>Frame-stack depth.</summary>
    [CommandOption("--frame-stack <K>"), Description("Frames stacked on channels (default: the teacher's input channels over the environment's).")]
    public int? FrameStack { get; init; }

    /// <summary>Store a recurrent teacher's state with every state.</summary>
    [CommandOption("--store-teacher-state"), Description("Store a recurrent teacher's state before every step (teacher_state.npy, N × S floats).")]
    public bool StoreTeacherState { get; init; }

    /// <summary>States per shard.</summary>
    [CommandOption("--shard-states <N>"), Description("States per shard (0: about 256 MB per shard)."), DefaultValue(0)]
    public int ShardStates { get; init; }

    /// <summary>The collection settings these options give, for <paramref name="states"/> states.</summary>
    public CollectionOptions ToOptions(long states) => new()
    {
        EnvId = Env ?? "",
        EnvOptions = EnvOptions.Parse(EnvOption).Values.ToDictionary(p => p.Key, p => p.Value),
        States = states,
        Labels = LabelMode.Parse(Labels),
        GradDtype = GradDtypes.Parse(GradDtype),
        Driver = DriverSpec.Parse(Driver, Student),
        MixPer = MixPer.ToLowerInvariant() switch
        {
            "episode" => global::SobolevRL.Collection.MixPer.Episode,
            "step" => global::SobolevRL.Collection.MixPer.Step,
            _ => throw new UserErrorException($"--mix-per {MixPer}: not episode or step"),
        },
        Acting = Acting.ToLowerInvariant() switch
        {
            "greedy" => ActingMode.Greedy,
            "sample" => ActingMode.Sample,
            _ => throw new UserErrorException($"--acting {Acting}: not greedy or sample"),
        },
        Epsilon = Epsilon,
        ActingTemperature = ActingTemperature,
        Envs = Envs,
        EnvThreads = EnvThreads,
        LabelShards = LabelShards,
        Seed = Seed,
        HeldOutFraction = HeldOutFraction,
        Split = HeldOutSplits.Parse(Split, Env ?? "", Envs),
        FrameStack = FrameStack ?? 1,
        ShardStates = ShardStates,
        StoreTeacherState = StoreTeacherState,
    };

    /// <summary>A new-collection job into <paramref name="outDir"/> (checks that --env and --teacher are given).</summary>
    public CollectionJobOptions Job(long states, string outDir, bool resume)
    {
        if (!resume && string.IsNullOrEmpty(Env)) throw new UserErrorException("--env is required: the environment id to collect from (see `sobolevrl env list`)");
        if (!resume && string.IsNullOrEmpty(Teacher)) throw new UserErrorException("--teacher is required: the policy .onnx file that labels every state");
        if (FrameStack is < 1) throw new UserErrorException(string.Create(CultureInfo.InvariantCulture, $"--frame-stack {FrameStack}: must be >= 1"));
        return new CollectionJobOptions
        {
            Collection = ToOptions(states),
            TeacherPath = Teacher,
            Student = Student,
            OutDir = outDir,
            Resume = resume,
            FrameStack = FrameStack,
            Device = TorchSetup.Apply(this),
        };
    }
}
