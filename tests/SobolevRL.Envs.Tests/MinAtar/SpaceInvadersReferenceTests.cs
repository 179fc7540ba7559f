using SobolevRL.Envs.MinAtar.Games;

namespace SobolevRL.Envs.Tests.MinAtar;

public class SpaceInvadersReferenceTests
{
    [Fact]
    public void ReplaysReferenceTrajectoriesExactly()
    {
        int steps = SeaquestSpaceInvadersReferenceReplay.Replay(
            "space_invaders.txt.gz", (rng, ramping) => new SpaceInvadersGame(rng, ramping));
        Assert.True(steps >= 9000, $"only {steps} steps in the fixture");
    }
}
