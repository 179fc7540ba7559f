using SobolevRL.Optimizers;
using System.Diagnostics;
using SobolevRL.Distillation;
using SobolevRL.Hardware;
using SobolevRL.Policies;
using SobolevRL.Replay;
using SobolevRL.Teachers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SobolevRL.Bench;

/// <summary>Milliseconds per step spent in each phase of a training step (medians over the timed steps).</summary>
/// <param name="LossMs">Forward pass and loss, including the student's input-derivative graph for the Sobolev term; with
/// more than one shard also the backward pass (the shards run both at once).</param>
/// <param name="BackwardMs">Backward pass to the parameters (the double backward for the Sobolev term); 0 with more than one shard.</param>
/// <param name="OptimizerMs">The Adam step.</param>
/// <param name="Shards">Batch shards computed at once (<see cref="ShardedBackward"/>).</param>
public sealed record TrainPhases(double LossMs, double BackwardMs, double OptimizerMs, int Shards);

/// <summary>
/// Times the distillation training step on a <see cref="TrainWorkload"/> through the code the trainer runs: zero the
/// gradients, <see cref="DistillationLoss.Compute"/> (KL at τ = 1, plus λ = 1 times the vjp:1 Sobolev term) and the
/// backward pass on <c>shards</c> shards of the batch at once (<see cref="ShardedBackward"/>), one Adam step (lr 1e-4), as
/// the peer's <c>step</c>. Call from one thread (the shard threads belong to it).
/// </summary>
public static class TrainBenchmark
{
    /// <summary>Learning rate of the peer's Adam.</summary>
    public const double LearningRate = 1e-4;

    /// <summary>
    /// Training steps per second (the peer's timing rule, at least <paramref name="seconds"/> and 5 steps) and process
    /// CPU milliseconds per step. <paramref name="explicitGradients"/> false forces autograd's generic double backward
    /// for the Sobolev term.
    /// </summary>
    public static (double StepsPerS, double CpuMsPerStep) Measure(TrainWorkload workload, Device device, LabelMode sobolev, double seconds,
        int shards, bool explicitGradients = true)
    {
        using var trainer = Trainer(workload, device, sobolev, explicitGradients, shards);
        return Timing.Measure(() => trainer.Step(null), seconds);
    }

    /// <summary>Median time per phase over <paramref name="steps"/> steps (after two warm-up steps).</summary>
    public static TrainPhases Phases(TrainWorkload workload, Device device, LabelMode sobolev, int steps, int shards, bool explicitGradients = true)
    {
        using var trainer = Trainer(workload, device, sobolev, explicitGradients, shards);
        trainer.Step(null);
        trainer.Step(null);
        var times = new double[3][];
        for (int p = 0; p < 3; p++) times[p] = new double[steps];
        for (int i = 0; i < steps; i++)
        {
            var laps = new double[3];
            trainer.Step(laps);
            for (int p = 0; p < 3; p++) times[p][i] = laps[p];
        }
        double Median(double[] t) => t.Order().ElementAt(t.Length / 2);
        return new TrainPhases(Median(times[0]), Median(times[1]), Median(times[2]), shards);
    }

    // One student, its optimiser and the labelled batch, as the peer sets them up (loss: KL at τ = 1 plus λ = 1 times the term).
    private static TrainStep Trainer(TrainWorkload workload, Device device, LabelMode sobolev, bool explicitGradients, int shards) =>
        new(workload.StudentPolicy(device), workload.LabelledBatch(device), sobolev, new LossOptions(), explicitGradients, shards, LearningRate);
}
