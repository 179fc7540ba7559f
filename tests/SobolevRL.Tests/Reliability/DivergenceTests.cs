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
    public void AStudentWhoseTrainingLossFellIsKeptWhenItsHeldOutKlIsAboveUniform()
    {
        // Held-out teachers confident in one of 3 actions: KL(teacher ‖ uniform) = log 3 − H(softmax(5, 0, 0)).
        using var heldOut = new SobolevRL.Replay.ReplayBatch(TorchSharp.torch.zeros(3, 2), TorchSharp.torch.tensor(new float[,] { { 5, 0, 0 }, { 0, 5, 0 }, { 0, 0, 5 } }),
            TorchSharp.torch.tensor(new long[] { 0, 1, 2 }), null, null);
        double[] p = [Math.Exp(5) / (Math.Exp(5) + 2), 1 / (Math.Exp(5) + 2), 1 / (Math.Exp(5) + 2)];
        double uniform = Math.Log(3) + p.Sum(x => x * Math.Log(x));
        Assert.Equal(uniform, DivergenceMonitor.UniformKl(heldOut, 1), 1e-6);
        var options = new DivergenceOptions { Window = 10 };
        // A run's metrics as DistillLoop logs them: the first step, then every 5th, value loss per row.
        static Dictionary<string, List<double>> Logged(Func<int, double> loss)
        {
            List<double> steps = [1, .. Enumerable.Range(1, 6).Select(i => 5.0 * i)];
            return new() { ["step"] = steps, ["loss_value"] = [.. steps.Select(s => loss((int)s))] };
        }

        // Overfitting: the training loss fell, the held-out KL is above uniform — a result, not divergence.
        var learned = Logged(step => 1.0 / step);
        Assert.True(DivergenceMonitor.TrainingLossFell(learned, options.Window));
        Assert.Null(new DivergenceMonitor(options).CheckFinal(30, uniform + 1, heldOut, 1, trainingLossFell: true));

        // A run whose loss never fell (a learning rate far too high from the first step) and ends above uniform diverged.
        var stuck = Logged(step => step == 1 ? 1 : 1e5);
        Assert.False(DivergenceMonitor.TrainingLossFell(stuck, options.Window));
        var monitor = new DivergenceMonitor(options with { Growth = 1e30 });
        Assert.Contains("above the uniform policy's", monitor.CheckFinal(30, uniform + 1, heldOut, 1, trainingLossFell: false));
        Assert.Null(monitor.CheckFinal(30, uniform - 0.01, heldOut, 1, trainingLossFell: false));

        // Judged on the mean of the last window's rows (steps 21..30), not on one row: a last row below the first
        // after a window spent far above it is not a fall; a run too short to log two rows never fell.
        Assert.False(DivergenceMonitor.TrainingLossFell(Logged(step => step == 30 ? 0.5 : step == 1 ? 1 : 1e5), options.Window));
        Assert.False(DivergenceMonitor.TrainingLossFell(new Dictionary<string, List<double>> { ["step"] = [1], ["loss_value"] = [1] }, options.Window));
    }

    [Fact]
    public void AnUnknownOptimiserListsTheValidOnes()
    {
        string error = OneClearError(CliProcess.Run(Distill(TempDir("sgd"), 20, 10, "--set", "optim.optimizer=sgd")));
        Assert.Contains("optim.optimizer", error);
        Assert.Contains("valid values: adam, rmsprop", error);
    }
}
