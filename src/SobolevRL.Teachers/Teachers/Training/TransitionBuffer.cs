namespace SobolevRL.Teachers.Training;

/// <summary>
/// DQN's replay memory for transitions of <c>envs</c> parallel environments: a ring of rows, one observation per env
/// and row, so each frame stack is stored once. The next observation of row t is row t+1's, except at an episode's end:
/// a terminated transition needs none (its target does not bootstrap), a truncated one keeps the env's final observation
/// beside the ring. The newest row has no successor yet and is never sampled. <see cref="Save"/> and <see cref="Load"/>
/// carry the whole memory across a resume.
/// </summary>
public sealed class TransitionBuffer
{
    private readonly int rows, envs, obsSize;
    private readonly byte[]?[] observations; // one array per row (null until written): a buffer of Atari frames exceeds one array's 2 GB
    private readonly int[] actions;
    private readonly float[] rewards;
    private readonly bool[] terminated, truncated;
    private readonly Dictionary<long, byte[]> finals = [];
    private int newest = -1, filled;

    /// <summary>A buffer of at least <paramref name="capacity"/> transitions (rounded down to whole rows of <paramref name="envs"/>).</summary>
    public TransitionBuffer(int capacity, int envs, int obsSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(envs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2 * envs);
        rows = capacity / envs;
        this.envs = envs;
        this.obsSize = obsSize;
        // Rows are allocated when first written (Row): a run's resident memory grows with the experience it holds, not
        // with buffer_size from the first frame (100,000 Atari rows are 2.8 GB).
        observations = new byte[]?[rows];
        actions = new int[rows * envs];
        rewards = new float[rows * envs];
        terminated = new bool[rows * envs];
        truncated = new bool[rows * envs];
    }

    /// <summary>Transitions that can be sampled (every stored one but the newest row's).</summary>
    public int Count => Math.Max(0, filled - 1) * envs;

    /// <summary>
    /// Stores one vector step: observations before the step (envs × obsSize), the actions, rewards and episode ends,
    /// and <paramref name="finalObservation"/>(e) for each env whose episode was truncated.
    /// </summary>
    public void Add(ReadOnlySpan<byte> before, ReadOnlySpan<int> stepActions, ReadOnlySpan<float> stepRewards, ReadOnlySpan<bool> stepTerminated,
        ReadOnlySpan<bool> stepTruncated, Func<int, byte[]> finalObservation)
    {
        newest = (newest + 1) % rows;
        filled = Math.Min(filled + 1, rows);
        int row = newest * envs;
        before[..(envs * obsSize)].CopyTo(Row(newest));
        for (int e = 0; e < envs; e++)
        {
            int i = row + e;
            finals.Remove(i);
            actions[i] = stepActions[e];
            rewards[i] = stepRewards[e];
            terminated[i] = stepTerminated[e];
            truncated[i] = stepTruncated[e] && !stepTerminated[e];
            if (truncated[i]) finals[i] = finalObservation(e);
        }
    }

    /// <summary>
    /// Fills a batch of <paramref name="count"/> transitions drawn uniformly with <paramref name="random"/>:
    /// observations, next observations (zeros where terminated), actions, rewards and terminal flags (1 = no bootstrap).
    /// </summary>
    public void Sample(Random random, int count, byte[] obs, byte[] next, long[] batchActions, float[] batchRewards, float[] batchDone)
    {
        if (Count == 0) throw new InvalidOperationException("the buffer holds no complete transition yet");
        int validRows = filled - 1;
        // The oldest row sits just after the newest one once the ring has wrapped, at 0 before.
        int oldest = filled == rows ? (newest + 1) % rows : 0;
        for (int k = 0; k < count; k++)
        {
            int row = (oldest + random.Next(validRows)) % rows;
            int e = random.Next(envs);
            int i = row * envs + e;
            observations[row]!.AsSpan(e * obsSize, obsSize).CopyTo(obs.AsSpan(k * obsSize, obsSize));
            var target = next.AsSpan(k * obsSize, obsSize);
            if (terminated[i]) target.Clear();
            else if (truncated[i]) finals[i].CopyTo(target);
            else observations[(row + 1) % rows]!.AsSpan(e * obsSize, obsSize).CopyTo(target);
            batchActions[k] = actions[i];
            batchRewards[k] = rewards[i];
            batchDone[k] = terminated[i] ? 1f : 0f;
        }
    }
    private const long Magic = 0x3142_5150_4552_4C53; // "SLREPQB1"

    /// <summary>
    /// Ends the newest row's transitions as truncated, with <paramref name="after"/> (the observations after that step,
    /// envs × obsSize) as their final observations, where the episode did not already end. The samples drawn do not
    /// change (the row's successor holds the same observations); what changes is that the next <see cref="Add"/> may
    /// come from freshly reset envs, as after a resume.
    /// </summary>
    public void CutNewest(ReadOnlySpan<byte> after)
    {
        if (newest < 0) return;
        for (int e = 0; e < envs; e++)
        {
            int i = newest * envs + e;
            if (terminated[i] || truncated[i]) continue;
            truncated[i] = true;
            finals[i] = after.Slice(e * obsSize, obsSize).ToArray();
        }
    }

    /// <summary>Writes the memory (its filled rows, actions, rewards, episode ends and final observations) to <paramref name="path"/>.</summary>
    public void Save(string path)
    {
        using var w = new BinaryWriter(new BufferedStream(File.Create(path), 1 << 20));
        w.Write(Magic);
        w.Write(rows);
        w.Write(envs);
        w.Write(obsSize);
        w.Write(newest);
        w.Write(filled);
        // Rows fill from 0 and wrap only once all are filled, so the filled rows are the first `filled`.
        for (int r = 0; r < filled; r++) w.Write(observations[r]!);
        foreach (int a in actions) w.Write(a);
        foreach (float r in rewards) w.Write(r);
        foreach (bool t in terminated) w.Write(t);
        foreach (bool t in truncated) w.Write(t);
        w.Write(finals.Count);
        foreach (var (i, o) in finals.OrderBy(f => f.Key))
        {
            w.Write(i);
            w.Write(o);
        }
    }

    /// <summary>Reads a memory written by <see cref="Save"/> into this buffer, which must have its rows, envs and observation size.</summary>
    public void Load(string path)
    {
        using var r = new BinaryReader(new BufferedStream(File.OpenRead(path), 1 << 20));
        if (r.ReadInt64() != Magic) throw new InvalidDataException($"{path} is not a saved replay memory");
        int savedRows = r.ReadInt32(), savedEnvs = r.ReadInt32(), savedObs = r.ReadInt32();
        if ((savedRows, savedEnvs, savedObs) != (rows, envs, obsSize))
            throw new InvalidDataException($"the saved replay memory has {savedRows} rows of {savedEnvs} envs × {savedObs} bytes, this run {rows} of {envs} × {obsSize}");
        newest = r.ReadInt32();
        filled = r.ReadInt32();
        if (filled < 0 || filled > rows || newest < -1 || newest >= rows) throw new InvalidDataException($"{path} is damaged (filled {filled}, newest {newest})");
        for (int row = 0; row < filled; row++) ReadExactly(r, Row(row));
        for (int i = 0; i < actions.Length; i++) actions[i] = r.ReadInt32();
        for (int i = 0; i < rewards.Length; i++) rewards[i] = r.ReadSingle();
        for (int i = 0; i < terminated.Length; i++) terminated[i] = r.ReadBoolean();
        for (int i = 0; i < truncated.Length; i++) truncated[i] = r.ReadBoolean();
        finals.Clear();
        int count = r.ReadInt32();
        for (int k = 0; k < count; k++)
        {
            long i = r.ReadInt64();
            var o = new byte[obsSize];
            ReadExactly(r, o);
            finals[i] = o;
        }
    }

    // The row's observations, allocated on first use on the pinned-object heap: never zeroed (every byte is written before
    // it is read: rows at or beyond `filled` are never sampled) and never moved, so the GC does not copy gigabytes of
    // frames from generation to generation (with 28 KB rows on the ordinary heap a 10,240-frame DQN run on Atari
    // peaked at 5.1 GB).
    private byte[] Row(int row) => observations[row] ??= GC.AllocateUninitializedArray<byte>(envs * obsSize, pinned: true);

    // BinaryReader reads its primitives from the stream without buffering ahead, so the stream is at the right place.
    private static void ReadExactly(BinaryReader r, byte[] into) => r.BaseStream.ReadExactly(into);
}
