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
}
