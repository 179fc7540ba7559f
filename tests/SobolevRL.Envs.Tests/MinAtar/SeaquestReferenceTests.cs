using SobolevRL.Envs.MinAtar.Games;

namespace SobolevRL.Envs.Tests.MinAtar;

public class SeaquestReferenceTests
{
    [Fact]
    public void ReplaysReferenceTrajectoriesExactly()
    {
        int steps = SeaquestSpaceInvadersReferenceReplay.Replay(
            "seaquest.txt.gz", (rng, ramping) => new SeaquestGame(rng, ramping));
        Assert.Equal(9500, steps);
    }
}
