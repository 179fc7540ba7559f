namespace SobolevRL.Replay;

/// <summary>The arrays of a shard: file names (without <c>.npy</c>) and what one row of each holds; <see cref="ReplaySchema"/> declares their types and shapes.</summary>
public static class ReplayArrays
{
    /// <summary>Single frames, uint8, N × C × H × W (stacks are rebuilt at sample time).</summary>
    public const string Frames = "frames";
    /// <summary>Action taken in the state, int32, N.</summary>
    public const string Actions = "actions";
    /// <summary>Reward of the step taken from the state, float32, N.</summary>
    public const string Rewards = "rewards";
    /// <summary>The step ended the episode in a terminal state, bool, N.</summary>
    public const string Terminated = "terminated";
    /// <summary>The step ended the episode by a limit (time limit), bool, N.</summary>
    public const string Truncated = "truncated";
    /// <summary>Episode id, int64, N.</summary>
    public const string Episode = "episode";
    /// <summary>Step index of the state in its episode (0 = first state), int32, N.</summary>
    public const string Step = "step";
    /// <summary>Teacher logits z(x), float32, N × A.</summary>
    public const string Logits = "logits";
    /// <summary>Gradient labels, N × A × X (full) or N × K × X (vjp:K), float16 / bfloat16 (as uint16) / float32 (the file name of
    /// every dataset so far is <c>grads</c>).</summary>
    public const string GradLabels = "grads";
    /// <summary>Projection vectors v_k of vjp:K labels, float32, N × K × A.</summary>
    public const string Projections = "v";
    /// <summary>A recurrent teacher's state before the step, float32, N × S; stored only when the collection asked for it.</summary>
    public const string TeacherState = "teacher_state";

    /// <summary>Every array a shard can have, in writing order.</summary>
    public static readonly string[] All = [Frames, Actions, Rewards, Terminated, Truncated, Episode, Step, Logits, GradLabels, Projections, TeacherState];
}
