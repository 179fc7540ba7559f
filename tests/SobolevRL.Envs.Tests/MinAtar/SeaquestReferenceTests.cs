using SobolevRL.Envs.MinAtar.Games;

namespace SobolevRL.Envs.Tests.MinAtar;

public class SeaquestReferenceTests
{
    [Fact]
    public void ReplaysReferenceTrajectoriesExactly()
    {
        int steps = SeaquestSpaceInvadersReferenceReplay.Replay(
            "seaquest.txt.gz", (rng, ramping) => new SeaquestGame(rng, ramping));
        Assert.True(steps >= 9000, $"only {steps} steps in the fixture");
    }
}
