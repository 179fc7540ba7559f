using SobolevRL.Envs.Wrappers.Atari;

namespace SobolevRL.Envs.Tests.Ale;

public class EpisodicLifeAndClipRewardTests
{
    [Fact]
    public void ALostLifeTerminatesAndTheNextResetContinuesTheGame()
    {
        var inner = new ScriptedFrameEnv(lifeLossFrames: [3, 5, 6], lives: 3);
        using var env = new EpisodicLife(inner);
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(11, obs);
        Assert.False(env.Step(1, obs).Done);
        Assert.False(env.Step(1, obs).Done);
        var lost = env.Step(1, obs);
        Assert.True(lost.Terminated);
        Assert.False(env.GameOver);
        Assert.Throws<InvalidOperationException>(() => env.Step(1, obs));

        env.Reset(null, obs);
        Assert.Equal(1, inner.Resets);
        Assert.Equal(4, inner.Frame);
        Assert.Equal(0, inner.Actions[^1]);
        for (int i = 0; i < obs.Length; i++) Assert.Equal(ScriptedFrameEnv.Pixel(4, i), obs[i]);

        Assert.True(env.Step(2, obs).Terminated);
        env.Reset(null, obs);
        // The continuation no-op loses the last life: the game is over, so the inner environment is reset.
        Assert.Equal(2, inner.Resets);
        Assert.Equal(0, inner.Frame);
    }

    [Fact]
    public void TheGameEndingIsARealEndAndASeedForcesARealReset()
    {
        var inner = new ScriptedFrameEnv(episodeFrames: 2, lives: 3);
        using var env = new EpisodicLife(inner);
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(null, obs);
        env.Step(0, obs);
        Assert.True(env.Step(0, obs).Terminated);
        Assert.True(env.GameOver);
        env.Reset(null, obs);
        Assert.Equal(2, inner.Resets);

        var lives = new ScriptedFrameEnv(lifeLossFrames: [1], lives: 3);
        using var seeded = new EpisodicLife(lives);
        seeded.Reset(null, obs);
        Assert.True(seeded.Step(0, obs).Terminated);
        seeded.Reset(5, obs);
        Assert.Equal(2, lives.Resets);
        Assert.Equal(5, lives.ResetSeeds[^1]);
    }

    [Fact]
    public void ClipRewardKeepsTheSign()
    {
        float[] rewards = [0, 3.5f, -2, 0.25f, -0.1f, 100];
        using var env = new ClipReward(new ScriptedFrameEnv(reward: k => rewards[k % rewards.Length]));
        var obs = new byte[env.ObservationSpace.Size];
        env.Reset(null, obs);
        var clipped = Enumerable.Range(1, 5).Select(_ => env.Step(0, obs).Reward).ToArray();
        Assert.Equal([1f, -1f, 1f, -1f, 1f], clipped);
    }
}
