using static SobolevRL.Tests.Reliability.ReliabilityCli;

namespace SobolevRL.Tests.Reliability;

/// <summary>
/// A distillation that diverges with finite losses (learning rate 1e6, KL loss only: the loss sits near 1e5 and the
/// student ends worse than uniform) is stopped with one clear error; <c>divergence.enabled=false</c> keeps such a run.
/// Bad optimiser names list the valid ones.
/// </summary>
[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public sealed class DivergenceTests
{
    private static string[] Wild(string dir, params string[] extra) =>
        Distill(dir, steps: 40, checkpointEvery: 20, ["--set", "optim.learning_rate=1e6", "--set", "optim.grad_clip=0", .. extra]);

    [Fact]
    public void LossGrowthOverAWindowAndAHeldOutKlAboveUniformStopTheRunAndTheKeyTurnsThemOff()
    {
        string grew = TempDir("diverge-growth"), worse = TempDir("diverge-uniform"), kept = TempDir("diverge-off");
        try
        {
            string growth = OneClearError(CliProcess.Run(Wild(grew, "--set", "divergence.window=10")));
            Assert.Contains("training diverged: the mean value loss of steps 1..10", growth);

            // Growth judged only against an unreachable factor: the final check is the one that fires.
            string uniform = OneClearError(CliProcess.Run(Wild(worse, "--set", "divergence.window=10", "--set", "divergence.growth=1e30")));
            Assert.Contains("above the uniform policy's", uniform);

            Ok(CliProcess.Run(Wild(kept, "--set", "divergence.enabled=false")));
        }
        finally
        {
            foreach (string d in new[] { grew, worse, kept }) if (Directory.Exists(d)) Directory.Delete(d, true);
        }
    }

    [Fact]
    public void AnUnknownOptimiserListsTheValidOnes()
    {
        string error = OneClearError(CliProcess.Run(Distill(TempDir("sgd"), 20, 10, "--set", "optim.optimizer=sgd")));
        Assert.Contains("optim.optimizer", error);
        Assert.Contains("valid values: adam, rmsprop", error);
    }
}
