using SobolevRL.Teachers.Training;

namespace SobolevRL.Tests.Teachers.Training;

public class TransitionBufferTests
{
    // Observations of 2 bytes; env e at step t observes (t, e); the next observation is read from the following row.
    private static byte[] Obs(int t) => [(byte)t, 0, (byte)t, 1];

    [Fact]
    public void NextObservationsFollowTheRowExceptAtEpisodeEnds()
    {
        var buffer = new TransitionBuffer(capacity: 20, envs: 2, obsSize: 2);
        Assert.Equal(0, buffer.Count);
        // Step 3: env 0 terminates, env 1 is truncated with final observation (99, 1).
        for (int t = 0; t < 6; t++)
        {
            bool[] term = [t == 3, false], trunc = [false, t == 3];
            buffer.Add(Obs(t), [t, 10 + t], [t, -t], term, trunc, e => [99, (byte)e]);
        }
        Assert.Equal(10, buffer.Count); // 5 complete rows of 2 envs; the newest row has no successor yet
        var rng = new Random(3);
        const int n = 400;
        var obs = new byte[n * 2];
        var next = new byte[n * 2];
        var actions = new long[n];
        var rewards = new float[n];
        var done = new float[n];
        buffer.Sample(rng, n, obs, next, actions, rewards, done);
        var seen = new HashSet<(int, int)>();
        for (int k = 0; k < n; k++)
        {
            int t = obs[2 * k], e = obs[2 * k + 1];
            seen.Add((t, e));
            Assert.True(t < 5, "the newest row was sampled");
            Assert.Equal(e == 0 ? t : 10 + t, actions[k]);
            Assert.Equal(e == 0 ? t : -t, rewards[k]);
            if (t == 3 && e == 0)
            {
                Assert.Equal(1f, done[k]);
                Assert.Equal([0, 0], next.AsSpan(2 * k, 2).ToArray());
            }
            else if (t == 3 && e == 1)
            {
                Assert.Equal(0f, done[k]);
                Assert.Equal([99, 1], next.AsSpan(2 * k, 2).ToArray());
            }
            else
            {
                Assert.Equal(0f, done[k]);
                Assert.Equal([(byte)(t + 1), (byte)e], next.AsSpan(2 * k, 2).ToArray());
            }
        }
        Assert.Equal(10, seen.Count); // uniform over every complete transition
    }

    [Fact]
    public void AWrappedRingDropsTheOldestRowsAndKeepsSuccessorsRight()
    {
        var buffer = new TransitionBuffer(capacity: 4, envs: 1, obsSize: 2);
        for (int t = 0; t < 11; t++) buffer.Add([(byte)t, 0], [t], [0], [false], [false], _ => throw new InvalidOperationException());
        Assert.Equal(3, buffer.Count);
        var obs = new byte[200 * 2];
        var next = new byte[200 * 2];
        buffer.Sample(new Random(1), 200, obs, next, new long[200], new float[200], new float[200]);
        var seen = new HashSet<int>();
        for (int k = 0; k < 200; k++)
        {
            seen.Add(obs[2 * k]);
            Assert.Equal(obs[2 * k] + 1, next[2 * k]);
        }
        Assert.Equal([7, 8, 9], seen.Order());
    }

    // Draws a large batch with a fixed generator: two buffers that give the same bytes hold the same transitions.
    private static byte[] Draw(TransitionBuffer buffer, int seed)
    {
        const int n = 300;
        var obs = new byte[n * 2];
        var next = new byte[n * 2];
        var actions = new long[n];
        var rewards = new float[n];
        var done = new float[n];
        buffer.Sample(new Random(seed), n, obs, next, actions, rewards, done);
        return [.. obs, .. next, .. actions.SelectMany(BitConverter.GetBytes), .. rewards.SelectMany(BitConverter.GetBytes), .. done.SelectMany(BitConverter.GetBytes)];
    }

    private static void Fill(TransitionBuffer buffer, int from, int to)
    {
        for (int t = from; t < to; t++)
            buffer.Add(Obs(t), [t, 10 + t], [t, -t], [t % 7 == 3, false], [false, t % 5 == 2], e => [(byte)(200 + t), (byte)e]);
    }

    [Fact]
    public void ASavedMemoryLoadsBackByteForByteWrappedOrNot()
    {
        string dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "sobolevrl-replay-" + Guid.NewGuid().ToString("N"))).FullName;
        try
        {
            foreach (int steps in new[] { 6, 23 }) // 10 rows: not yet wrapped, wrapped twice
            {
                var buffer = new TransitionBuffer(capacity: 20, envs: 2, obsSize: 2);
                Fill(buffer, 0, steps);
                string path = Path.Combine(dir, $"replay-{steps}.bin");
                buffer.Save(path);
                var loaded = new TransitionBuffer(capacity: 20, envs: 2, obsSize: 2);
                loaded.Load(path);
                Assert.Equal(buffer.Count, loaded.Count);
                Assert.Equal(Draw(buffer, 5), Draw(loaded, 5));
                // They go on alike too.
                Fill(buffer, steps, steps + 4);
                Fill(loaded, steps, steps + 4);
                Assert.Equal(Draw(buffer, 6), Draw(loaded, 6));
            }
            var other = new TransitionBuffer(capacity: 30, envs: 2, obsSize: 2);
            var e = Assert.Throws<InvalidDataException>(() => other.Load(Path.Combine(dir, "replay-6.bin")));
            Assert.Contains("10 rows of 2 envs", e.Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void CuttingTheNewestRowKeepsItsSuccessorsAndEndsItWhereTheEnvsRestart()
    {
        var cut = new TransitionBuffer(capacity: 40, envs: 2, obsSize: 2);
        var plain = new TransitionBuffer(capacity: 40, envs: 2, obsSize: 2);
        Fill(cut, 0, 9);
        Fill(plain, 0, 9);
        cut.CutNewest(Obs(9));
        Fill(cut, 9, 12);
        Fill(plain, 9, 12);
        Assert.Equal(Draw(plain, 1), Draw(cut, 1)); // the cut row's finals are the observations that followed it
        // After a resume the next row comes from reset envs: the cut row still bootstraps from what followed it.
        var resumed = new TransitionBuffer(capacity: 40, envs: 2, obsSize: 2);
        Fill(resumed, 0, 9);
        resumed.CutNewest(Obs(9));
        resumed.Add([77, 0, 77, 1], [0, 0], [0, 0], [false, false], [false, false], _ => []);
        const int n = 400;
        var obs = new byte[n * 2];
        var next = new byte[n * 2];
        resumed.Sample(new Random(2), n, obs, next, new long[n], new float[n], new float[n]);
        int fromCut = 0;
        for (int k = 0; k < n; k++)
        {
            if (obs[2 * k] != 8) continue;
            fromCut++;
            Assert.Equal([9, obs[2 * k + 1]], next.AsSpan(2 * k, 2).ToArray()); // not the reset observation 77
        }
        Assert.True(fromCut > 0);
    }
    [Fact]
    public void MemoryGrowsWithTheRowsWrittenNotWithTheCapacity()
    {
        // The Atari DQN memory: 100,000 rows of one env's 4×84×84 frame stack (2.8 GB if allocated up front).
        const int obsSize = 4 * 84 * 84, capacity = 100_000, written = 50;
        long before = GC.GetAllocatedBytesForCurrentThread();
        var buffer = new TransitionBuffer(capacity, envs: 1, obsSize);
        var frame = new byte[obsSize];
        for (int k = 0; k < written; k++)
        {
            frame.AsSpan().Fill((byte)k);
            buffer.Add(frame, [k % 3], [1f], [false], [false], _ => throw new InvalidOperationException("no truncation here"));
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // The per-row bookkeeping (pointers, actions, rewards, flags: 18 bytes a row) plus the rows written, with slack.
        long expected = capacity * 18L + written * (long)obsSize;
        Assert.True(allocated < 2 * expected, $"allocated {allocated / 1e6:F1} MB for {written} of {capacity} rows; expected about {expected / 1e6:F1} MB");

        // What was written reads back: every sampled observation is a frame of its row, its successor the next frame.
        var obs = new byte[8 * obsSize];
        var next = new byte[8 * obsSize];
        long[] actions = new long[8];
        float[] rewards = new float[8], done = new float[8];
        buffer.Sample(new Random(1), 8, obs, next, actions, rewards, done);
        for (int i = 0; i < 8; i++)
        {
            byte k = obs[i * obsSize];
            Assert.All(obs.AsSpan(i * obsSize, obsSize).ToArray(), b => Assert.Equal(k, b));
            Assert.All(next.AsSpan(i * obsSize, obsSize).ToArray(), b => Assert.Equal((byte)(k + 1), b));
            Assert.Equal(k % 3, actions[i]);
        }
    }
}
