namespace SobolevRL.Teachers.Training;

/// <summary>
/// DQN's replay memory for transitions of <c>envs</c> parallel environments: a ring of rows, one observation per env
/// and row, so each frame stack is stored once. The next observation of row t is row t+1's, except at an episode's end:
/// a terminated transition needs none (its target does not bootstrap), a truncated one keeps the env's final observation
/// beside the ring. The newest row has no successor yet and is never sampled.
/// </summary>
public sealed class TransitionBuffer
{
    private readonly int rows, envs, obsSize;
    private readonly byte[][] observations; // one array per row: a buffer of Atari frames exceeds one array's 2 GB
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
        observations = new byte[rows][];
        for (int r = 0; r < rows; r++) observations[r] = new byte[envs * obsSize];
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
        before[..(envs * obsSize)].CopyTo(observations[newest]);
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
            observations[row].AsSpan(e * obsSize, obsSize).CopyTo(obs.AsSpan(k * obsSize, obsSize));
            var target = next.AsSpan(k * obsSize, obsSize);
            if (terminated[i]) target.Clear();
            else if (truncated[i]) finals[i].CopyTo(target);
            else observations[(row + 1) % rows].AsSpan(e * obsSize, obsSize).CopyTo(target);
            batchActions[k] = actions[i];
            batchRewards[k] = rewards[i];
            batchDone[k] = terminated[i] ? 1f : 0f;
        }
    }
}
