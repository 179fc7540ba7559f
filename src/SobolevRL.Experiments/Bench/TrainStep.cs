using System.Diagnostics;
using SobolevRL.Distillation;
using SobolevRL.Hardware;
using SobolevRL.Optimizers;
using SobolevRL.Policies;
using SobolevRL.Replay;
using SobolevRL.Teachers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SobolevRL.Bench;

/// <summary>
/// One distillation training step as the trainer runs it, on a fixed labelled batch: zero the gradients,
/// <see cref="DistillationLoss.Compute"/> (τ = 1, λ = 1) and the backward pass on the batch's shards at once
/// (<see cref="ShardedBackward"/>), one Adam step. Owns the student, the batch and the shard threads; call from the
/// thread that made it.
/// </summary>
internal sealed class TrainStep : IDisposable
{
    private readonly ModulePolicy _student;
    private readonly ReplayBatch _batch;
    private readonly optim.Optimizer _optimizer;
    private readonly LabelMode _sobolev;
    private readonly LossOptions _loss;
    private readonly bool _explicitGradients;
    private readonly ShardThreads _shards;
    private readonly Parameter[] _parameters;
    private readonly Generator _directions = new(7);
    private readonly bool _ownsBatch;

    /// <summary>Takes ownership of <paramref name="student"/>, and of <paramref name="batch"/> when <paramref name="ownsBatch"/>.</summary>
    public TrainStep(ModulePolicy student, ReplayBatch batch, LabelMode sobolev, LossOptions loss, bool explicitGradients, int shards, double learningRate,
        bool ownsBatch = true)
    {
        _ownsBatch = ownsBatch;
        _explicitGradients = explicitGradients;
        _shards = new ShardThreads(shards);
        _student = student;
        _parameters = _student.Network.parameters().ToArray();
        _batch = batch;
        _optimizer = new KeptAliveAdam(_parameters, learningRate, flat: true) { Shards = _shards };
        _sobolev = sobolev;
        _loss = loss;
    }

    /// <summary>The student being trained.</summary>
    public ModulePolicy Student => _student;

    /// <summary>
    /// One step; with <paramref name="laps"/> (3 entries), the milliseconds of the loss, backward and optimiser phases
    /// (synchronising the device between them; with more than one shard the backward is inside the loss phase and 0).
    /// </summary>
    public void Step(double[]? laps)
    {
        using var scope = NewDisposeScope();
        long t0 = Stopwatch.GetTimestamp();
        _student.Network.zero_grad(set_to_none: true);
        LossParts Loss(ReplayBatch batch) => DistillationLoss.Compute(_student, batch, _loss, _sobolev, temperature: 1.0, weight: 1.0,
            _directions, explicitGradients: _explicitGradients);
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

    /// <inheritdoc />
    public void Dispose()
    {
        _optimizer.Dispose();
        if (_ownsBatch) _batch.Dispose();
        _student.Dispose();
        _shards.Dispose();
        _directions.Dispose();
    }
}
