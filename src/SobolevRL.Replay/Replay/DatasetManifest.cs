using SobolevRL.Teachers;

namespace SobolevRL.Replay;

/// <summary>
/// <c>manifest.json</c> of a replay dataset: what was collected, how, and which shards are committed (with row counts and
/// SHA-256 of each file). It is the single source of truth: a shard directory not listed here is not part of the dataset.
/// </summary>
public sealed record DatasetManifest
{
    /// <summary>Schema version this build writes; a manifest with a higher one is refused with a clear error.</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>File name of the manifest inside the dataset directory.</summary>
    public const string FileName = "manifest.json";

    /// <summary>Format tag, always <c>sobolevrl-replay</c>.</summary>
    public string Format { get; init; } = "sobolevrl-replay";

    /// <summary>Schema version of this manifest.</summary>
    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>Environment id.</summary>
    public string EnvId { get; init; } = "";

    /// <summary>Environment options as given (key → value).</summary>
    public Dictionary<string, string> EnvOptions { get; init; } = [];

    /// <summary>Shape of one stored frame (C × H × W).</summary>
    public int[] FrameShape { get; init; } = [];

    /// <summary>Frame-stack depth k: observations are k consecutive frames of one episode, concatenated on channels.</summary>
    public int FrameStack { get; init; } = 1;

    /// <summary>Number of actions A.</summary>
    public int Actions { get; init; }

    /// <summary>The teacher that labelled every state.</summary>
    public TeacherRecord Teacher { get; init; } = new();

    /// <summary>Gradient label mode (<c>none</c>, <c>full</c>, <c>vjp:K</c>).</summary>
    public string Labels { get; init; } = "none";

    /// <summary>Storage type of gradient labels (<c>float16</c>, <c>bfloat16</c>, <c>float32</c>).</summary>
    public string GradDtype { get; init; } = "float16";

    /// <summary>Floats of a recurrent teacher's state stored per state in <c>teacher_state.npy</c> (0: not stored).</summary>
    public int TeacherStateSize { get; init; }

    /// <summary>
    /// Leading observation channels whose gradient labels are exact zeros that are not a derivative of the teacher's policy
    /// (0: none): with a recurrent teacher of single frames and a frame stack of k, the k − 1 older frames, which the
    /// teacher given its state does not read. Distillation leaves them out of the Sobolev term.
    /// </summary>
    public int UnlabelledChannels { get; init; }

    /// <summary>Seed of the generator of vjp projection vectors (the vectors are also stored, in <c>v.npy</c>).</summary>
    public long ProjectionSeed { get; init; }

    /// <summary>How the data was collected.</summary>
    public CollectionRecord Collection { get; init; } = new();

    /// <summary>States in the training split.</summary>
    public long TrainStates { get; init; }

    /// <summary>States in the held-out split.</summary>
    public long HeldOutStates { get; init; }

    /// <summary>Episode ids with at least one committed state, held out from training.</summary>
    public List<long> HeldOutEpisodes { get; init; } = [];

    /// <summary>Episodes whose committed states stop before the episode ended (cut by a crash or by the end of collection).</summary>
    public List<long> PartialEpisodes { get; init; } = [];

    /// <summary>Episodes running in each env slot at the last commit, with how many of their states are committed (for resume).</summary>
    public List<SlotProgress> InFlight { get; init; } = [];

    /// <summary>True once the collection reached its target and stopped normally.</summary>
    public bool Complete { get; init; }

    /// <summary>Committed shards in order.</summary>
    public List<ShardRecord> Shards { get; init; } = [];

    /// <summary>Total committed states.</summary>
    public long States => Shards.Sum(s => s.Rows);

    /// <summary>Shape of one stacked observation (C·k × H × W).</summary>
    public long[] ObservationShape() => FrameShape.Length == 3 ? [FrameShape[0] * (long)FrameStack, FrameShape[1], FrameShape[2]] : [];

    /// <summary>The parsed label mode.</summary>
    public LabelMode LabelMode() => Teachers.LabelMode.Parse(Labels);

    /// <summary>The parsed gradient storage type.</summary>
    public GradDtype GradStorage() => GradDtypes.Parse(GradDtype);
}

/// <summary>The teacher of a dataset.</summary>
public sealed record TeacherRecord
{
    /// <summary>Path of the teacher file as given at collection.</summary>
    public string Path { get; init; } = "";

    /// <summary>SHA-256 (hex) of the teacher file.</summary>
    public string Sha256 { get; init; } = "";

    /// <summary>Softmax temperature τ of the log-policy labels.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>The teacher's model card, when one was beside it.</summary>
    public ModelCard? Card { get; init; }
}

/// <summary>How a dataset was collected.</summary>
public sealed record CollectionRecord
{
    /// <summary>Who acted: <c>teacher</c>, <c>student:FILE</c> or <c>mix:β</c>.</summary>
    public string Driver { get; init; } = "teacher";

    /// <summary>SHA-256 of the student file when a student acted.</summary>
    public string? StudentSha256 { get; init; }

    /// <summary>For mixtures: the driver is drawn per <c>episode</c> or per <c>step</c>.</summary>
    public string MixPer { get; init; } = "episode";

    /// <summary><c>greedy</c> or <c>sample</c>.</summary>
    public string Acting { get; init; } = "greedy";

    /// <summary>Probability of a uniformly random action (ε-greedy).</summary>
    public double Epsilon { get; init; }

    /// <summary>Temperature of sampled acting.</summary>
    public double ActingTemperature { get; init; } = 1.0;

    /// <summary>Number of env slots E (episode e runs in slot e mod E).</summary>
    public int Envs { get; init; } = 1;

    /// <summary>Collection seed (episode seeds, acting randomness, split, projections derive from it).</summary>
    public long Seed { get; init; }

    /// <summary>Fraction of episodes held out.</summary>
    public double HeldOutFraction { get; init; }

    /// <summary>Rule that chose the held-out episodes: <c>episodes</c> (each with probability the fraction; manifests written before the field) or <c>streams</c> (whole env slots).</summary>
    public string Split { get; init; } = "episodes";

    /// <summary>Target number of states.</summary>
    public long TargetStates { get; init; }

    /// <summary>States per shard.</summary>
    public int ShardStates { get; init; }
}

/// <summary>One committed shard: its directory name, rows, and SHA-256 of each file.</summary>
public sealed record ShardRecord
{
    /// <summary>Directory name, e.g. <c>shard-000000</c>.</summary>
    public string Name { get; init; } = "";

    /// <summary>States in the shard.</summary>
    public long Rows { get; init; }

    /// <summary>File name → SHA-256 (hex, lower case) of the whole file.</summary>
    public Dictionary<string, string> Sha256 { get; init; } = [];
}

/// <summary>The episode running in an env slot at a commit.</summary>
/// <param name="Slot">Env slot index.</param>
/// <param name="Episode">Episode id running in it.</param>
/// <param name="CommittedSteps">How many of its states are committed.</param>
public sealed record SlotProgress(int Slot, long Episode, int CommittedSteps);
