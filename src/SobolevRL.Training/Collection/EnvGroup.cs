using SobolevRL.Envs.Core;
using SobolevRL.Envs.Vector;

namespace SobolevRL.Collection;

/// <summary>
/// A group of env slots stepped together by one vector env, with the buffers of its current states: raw frames,
/// frame stacks (oldest frame first; a new episode's stack is its first frame repeated), and the labels and actions
/// staged for the step in flight.
/// </summary>
internal sealed class EnvGroup : IDisposable
{
    public EnvGroup(Func<int, IEnv> makeEnv, int firstSlot, int count, int slots, long[] firstEpisodes, long seed, int threads, int frameStack, int stateSize = 0)
    {
        StateSize = stateSize;
        TeacherState = new float[count * stateSize];
        NextTeacherState = new float[count * stateSize];
        FirstSlot = firstSlot;
        Count = count;
        Vector = VectorEnvFactory.Create(i => new EpisodeSeededEnv(makeEnv(firstSlot + i), firstEpisodes[firstSlot + i], slots, seed), count, Math.Min(threads, count));
        FrameSize = Vector.SingleObservationSpace.Size;
        FrameStack = frameStack;
        Frames = new byte[count * FrameSize];
        Stacks = new byte[count * FrameSize * frameStack];
        StagedFrames = new byte[count * FrameSize];
        Actions = new int[count];
        Rewards = new float[count];
        Terminated = new bool[count];
        Truncated = new bool[count];
        Episode = new long[count];
        Step = new int[count];
        Rng = new Random[count];
        TeacherActs = new bool[count];
    }

    public int FirstSlot { get; }
    public int Count { get; }
    public IVectorEnv Vector { get; }
    public int FrameSize { get; }
    public int FrameStack { get; }
    public byte[] Frames { get; }
    public byte[] Stacks { get; }
    public byte[] StagedFrames { get; }
    public int[] Actions { get; }
    public float[] Rewards { get; }
    public bool[] Terminated { get; }
    public bool[] Truncated { get; }
    public long[] Episode { get; }
    public int[] Step { get; }
    public Random[] Rng { get; }
    public bool[] TeacherActs { get; }
    public float[] Logits { get; set; } = [];
    public byte[] GradLabels { get; set; } = [];
    public float[] Projections { get; set; } = [];
    public Task? Stepping { get; set; }

    /// <summary>Floats of a recurrent teacher's state per slot (0: feed-forward).</summary>
    public int StateSize { get; }

    /// <summary>A recurrent teacher's state in each slot before the current step (zeros at an episode's start), Count × <see cref="StateSize"/>.</summary>
    public float[] TeacherState { get; }

    /// <summary>The state after the step in flight (from the labels), Count × <see cref="StateSize"/>.</summary>
    public float[] NextTeacherState { get; set; }

    /// <summary>Zeros slot i's teacher state (a new episode).</summary>
    public void ResetState(int i) => TeacherState.AsSpan(i * StateSize, StateSize).Clear();

    /// <summary>Moves slot i's teacher state on to the state after the step just recorded.</summary>
    public void AdvanceState(int i) => NextTeacherState.AsSpan(i * StateSize, StateSize).CopyTo(TeacherState.AsSpan(i * StateSize, StateSize));

    /// <summary>CPU seconds of the stepping thread inside <see cref="IVectorEnv.Step"/> (the group's own thread; with more env threads, their workers are not counted).</summary>
    public double StepCpuSeconds { get; private set; }

    /// <summary>CPU seconds of the thread that made and first reset the group.</summary>
    public double SetupCpuSeconds { get; set; }

    /// <summary>Episode id now running in sub-env <paramref name="i"/> (after a reset or auto-reset).</summary>
    public long CurrentEpisode(int i) => ((EpisodeSeededEnv)Vector.GetEnv(i)).CurrentEpisode;

    /// <summary>Starts stepping with <see cref="Actions"/> on a pool thread.</summary>
    public void StartStep() => Stepping = Task.Run(() =>
    {
        double cpu = ThreadCpuClock.Seconds();
        Vector.Step(Actions, Frames, Rewards, Terminated, Truncated);
        StepCpuSeconds += ThreadCpuClock.Seconds() - cpu;
    });

    /// <summary>Makes sub-env i's stack the current frame repeated (a new episode).</summary>
    public void FillStack(int i)
    {
        var frame = Frames.AsSpan(i * FrameSize, FrameSize);
        var stack = Stacks.AsSpan(i * FrameSize * FrameStack, FrameSize * FrameStack);
        for (int k = 0; k < FrameStack; k++) frame.CopyTo(stack.Slice(k * FrameSize, FrameSize));
    }

    /// <summary>Shifts sub-env i's stack by one frame and appends the current frame.</summary>
    public void PushStack(int i)
    {
        var stack = Stacks.AsSpan(i * FrameSize * FrameStack, FrameSize * FrameStack);
        if (FrameStack > 1) stack[FrameSize..].CopyTo(stack);
        Frames.AsSpan(i * FrameSize, FrameSize).CopyTo(stack[((FrameStack - 1) * FrameSize)..]);
    }

    public void Dispose()
    {
        try
        {
            Stepping?.Wait();
        }
        catch (AggregateException)
        {
            // the error was reported where the step was awaited
        }
        Vector.Dispose();
    }
}
