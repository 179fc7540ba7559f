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
        using var trainer = new Trainer(workload, device, sobolev, explicitGradients, shards);
        return Timing.Measure(() => trainer.Step(null), seconds);
    }

    /// <summary>Median time per phase over <paramref name="steps"/> steps (after two warm-up steps).</summary>
    public static TrainPhases Phases(TrainWorkload workload, Device device, LabelMode sobolev, int steps, int shards, bool explicitGradients = true)
    {
        using var trainer = new Trainer(workload, device, sobolev, explicitGradients, shards);
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

    /// <summary>One student, its optimiser and the labelled batch, as the peer sets them up.</summary>
    private sealed class Trainer : IDisposable
    {
        private static readonly LossOptions Loss = new();
        private readonly ModulePolicy _student;
        private readonly ReplayBatch _batch;
        private readonly optim.Optimizer _optimizer;
        private readonly LabelMode _sobolev;
        private readonly bool _explicitGradients;
        private readonly ShardThreads _shards;
        private readonly Parameter[] _parameters;

        public Trainer(TrainWorkload workload, Device device, LabelMode sobolev, bool explicitGradients, int shards)
        {
            _explicitGradients = explicitGradients;
            _shards = new ShardThreads(shards);
            _student = workload.StudentPolicy(device);
            _parameters = _student.Network.parameters().ToArray();
            _batch = workload.LabelledBatch(device);
            _optimizer = new KeptAliveAdam(_parameters, LearningRate) { Shards = _shards };
            _sobolev = sobolev;
        }

        /// <summary>One step; with <paramref name="laps"/>, the milliseconds of each phase (synchronising the device between them).</summary>
        public void Step(double[]? laps)
        {
            using var scope = NewDisposeScope();
            long t0 = Stopwatch.GetTimestamp();
            _student.Network.zero_grad(set_to_none: true);
            LossParts Loss(ReplayBatch batch) => DistillationLoss.Compute(_student, batch, Trainer.Loss, _sobolev, temperature: 1.0, weight: 1.0,
                explicitGradients: _explicitGradients);
            long t2;
            if (_shards.Count == 1)
            {
                using var parts = Loss(_batch);
                long t1 = Lap(laps, 0, t0, parts.Total);
                parts.Total.backward();
                t2 = Lap(laps, 1, t1, null);
            }
            else
            {
                using var parts = ShardedBackward.Compute(_shards, _parameters, _batch, Loss);
                t2 = Lap(laps, 0, t0, parts.Total);
                if (laps is not null) laps[1] = 0;
            }
            _optimizer.step();
            Lap(laps, 2, t2, null);
        }

        private long Lap(double[]? laps, int phase, long start, Tensor? result)
        {
            if (laps is null) return 0;
            if (_student.Device.type == DeviceType.CUDA) cuda.synchronize();
            else _ = result?.item<float>();
            long now = Stopwatch.GetTimestamp();
            laps[phase] = Stopwatch.GetElapsedTime(start, now).TotalMilliseconds;
            return now;
        }

        public void Dispose()
        {
            _optimizer.Dispose();
            _batch.Dispose();
            _student.Dispose();
            _shards.Dispose();
        }
    }
}
