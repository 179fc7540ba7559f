using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SobolevRL.Envs.Vector;

/// <summary>
/// The caller-owned buffers of a vector env's <see cref="IVectorEnv.Step"/>, laid out for <see cref="ThreadedVectorEnv"/>:
/// each array is pinned and starts on its own 4 KB page, so no cache line (and no page, which hardware prefetchers stay
/// within) holds the end of one array and the start of the next. Plain arrays allocated one after another sit back to
/// back on the heap: the rewards of the last sub-envs (written by the last thread) then share a line with the
/// terminated flags of the first ones (written by the calling thread), and that line crosses between the cores on
/// every step (envs/README.md, "What the fixed per-thread cost is", has the measurements). Inside one array, two
/// threads' ranges share no line when each range starts at a multiple of 64 sub-envs (e.g. 256 sub-envs on 2 or 4
/// threads). The arrays are <see cref="ArraySegment{T}"/>s of larger arrays: write through <c>AsSpan()</c> (a segment is
/// a struct, so <c>buffers.Actions[i] = a</c> does not compile).
/// </summary>
public sealed class VectorBuffers
{
    private const int PageBytes = 4096;

    /// <summary>Allocates zeroed buffers for <paramref name="numEnvs"/> sub-envs with observations of <paramref name="observationSize"/> bytes.</summary>
    public VectorBuffers(int numEnvs, int observationSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numEnvs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(observationSize, 1);
        if ((long)numEnvs * observationSize > Array.MaxLength - 2 * PageBytes)
            throw new ArgumentOutOfRangeException(nameof(numEnvs), $"{numEnvs} observations of {observationSize} bytes do not fit in one array; use fewer sub-envs per vector env");
        NumEnvs = numEnvs;
        Observations = PageAligned<byte>(numEnvs * observationSize);
        Actions = PageAligned<int>(numEnvs);
        Rewards = PageAligned<float>(numEnvs);
        Terminated = PageAligned<bool>(numEnvs);
        Truncated = PageAligned<bool>(numEnvs);
    }

    /// <summary>Buffers sized for <paramref name="venv"/>.</summary>
    public static VectorBuffers For(IVectorEnv venv)
    {
        ArgumentNullException.ThrowIfNull(venv);
        return new VectorBuffers(venv.NumEnvs, venv.SingleObservationSpace.Size);
    }

    /// <summary>Sub-envs the buffers hold.</summary>
    public int NumEnvs { get; }

    /// <summary><see cref="NumEnvs"/> observations, one after another (sub-env i at i × observation size).</summary>
    public ArraySegment<byte> Observations { get; }

    /// <summary>One action per sub-env.</summary>
    public ArraySegment<int> Actions { get; }

    /// <summary>One reward per sub-env.</summary>
    public ArraySegment<float> Rewards { get; }

    /// <summary>One terminated flag per sub-env.</summary>
    public ArraySegment<bool> Terminated { get; }

    /// <summary>One truncated flag per sub-env.</summary>
    public ArraySegment<bool> Truncated { get; }

    /// <summary><see cref="IVectorEnv.Step"/> with these buffers.</summary>
    public void Step(IVectorEnv venv)
    {
        ArgumentNullException.ThrowIfNull(venv);
        venv.Step(Actions, Observations, Rewards, Terminated, Truncated);
    }

    /// <summary><see cref="IVectorEnv.Reset"/> into <see cref="Observations"/>.</summary>
    public void Reset(IVectorEnv venv, long? seed)
    {
        ArgumentNullException.ThrowIfNull(venv);
        venv.Reset(seed, Observations);
    }

    // Pinned (the pinned object heap never moves objects), so the alignment found here holds for the array's life;
    // one spare page lets the start move up to the next page boundary, and the rest of the last page stays unused.
    private static unsafe ArraySegment<T> PageAligned<T>(int count) where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>();
        int pages = (int)(((long)count * size + PageBytes - 1) / PageBytes);
        var array = GC.AllocateArray<T>((pages + 1) * (PageBytes / size), pinned: true);
        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        int skipBytes = (int)((PageBytes - (address & (PageBytes - 1))) & (PageBytes - 1));
        return new ArraySegment<T>(array, skipBytes / size, count);
    }
}
