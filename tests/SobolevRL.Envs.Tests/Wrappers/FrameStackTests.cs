using SobolevRL.Envs.MinAtar;
using SobolevRL.Envs.Registry;
using SobolevRL.Envs.Wrappers;

namespace SobolevRL.Envs.Tests.Wrappers;

public class FrameStackTests
{
    [Fact]
    public void StacksTheLastFramesOldestFirstOnARealGame()
    {
        var registry = EnvRegistry.CreateDefault();
        using var single = registry.Make("MinAtar/Breakout-v1");
        using var stacked = new FrameStack(registry.Make("MinAtar/Breakout-v1"), 4);
        int frame = single.ObservationSpace.Size;
        Assert.Equal([16, 10, 10], stacked.ObservationSpace.Shape);
        Assert.Equal(single.ObservationSpace.High, stacked.ObservationSpace.High);

        var history = new List<byte[]>();
        var one = new byte[frame];
        var four = new byte[4 * frame];
        single.Reset(42, one);
        stacked.Reset(42, four);
        history.Add(one.ToArray());
        for (int slot = 0; slot < 4; slot++) Assert.Equal(one, four[(slot * frame)..((slot + 1) * frame)]);

        var rng = new System.Random(0);
        bool sawDifferentFrames = false;
        for (int t = 0; t < 60; t++)
        {
            int action = rng.Next(single.ActionSpace.N);
            var expected = single.Step(action, one);
            Assert.Equal(expected, stacked.Step(action, four));
            history.Add(one.ToArray());
            for (int slot = 0; slot < 4; slot++)
            {
                int age = 3 - slot;
                var want = history[Math.Max(0, history.Count - 1 - age)];
                Assert.Equal(want, four[(slot * frame)..((slot + 1) * frame)]);
            }
            sawDifferentFrames |= !four.AsSpan(0, frame).SequenceEqual(four.AsSpan(3 * frame, frame));
            if (expected.Done) break;
        }
        Assert.True(sawDifferentFrames);
    }

    [Fact]
    public void StepAllocatesNothing()
    {
        using var env = new FrameStack(new MinAtarFamily().Make("MinAtar/Freeway-v1", Core.EnvOptions.Empty), 4);
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(1, obs);
        for (int t = 0; t < 50; t++) env.Step(1, obs);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int t = 0; t < 1000; t++) env.Step(t % 3, obs);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void RejectsABufferOfTheUnstackedSize()
    {
        using var env = new FrameStack(new TestEnvs.CountingEnv(), 3);
        Assert.Throws<ArgumentException>(() => env.Reset(0, new byte[env.ObservationSpace.Size / 3]));
    }
}
