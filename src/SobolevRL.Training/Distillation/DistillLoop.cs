using System.Diagnostics;
using System.Globalization;
using SobolevRL.Config;
using SobolevRL.Hardware;
using SobolevRL.Optimizers;
using SobolevRL.Runs;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SobolevRL.Distillation;

/// <summary>What one optimiser step's loss came to (its gradients are in the parameters' <c>grad</c>).</summary>
/// <param name="Value">Value term.</param>
/// <param name="Sobolev">Sobolev term.</param>
/// <param name="Rows">Rows of the step's batch.</param>
/// <param name="Columns">Further columns of the step's metrics row (e.g. each game's terms), or null.</param>
public readonly record struct StepLoss(double Value, double Sobolev, long Rows, IReadOnlyDictionary<string, double>? Columns = null);

/// <summary>
/// What a distillation run trains and resumes: the module, its optimiser (<c>optim.optimizer</c>), the generator of the
/// Sobolev estimator's random directions, and the checkpoint position (a resumed run's, else 0).
/// </summary>
public sealed class DistillState : IDisposable
{
    private DistillState(nn.Module network, Parameter[] parameters, OptimizerHelper optimizer, Generator directions)
    {
        Network = network;
        Parameters = parameters;
        Optimizer = optimizer;
        Directions = directions;
    }

    /// <summary>The module whose parameters train (what the checkpoint saves).</summary>
    public nn.Module Network { get; }

    /// <summary>Its parameters.</summary>
    public Parameter[] Parameters { get; }

    /// <summary>The optimiser.</summary>
    public OptimizerHelper Optimizer { get; }

    /// <summary>The generator of the Sobolev estimator's random directions (checkpointed).</summary>
    public Generator Directions { get; }

    /// <summary>Where the run starts: the resumed checkpoint's position, or 0.</summary>
    public Checkpoint.Position Position { get; private set; } = new(0, 0);

    /// <summary>
    /// The state of <paramref name="network"/> in run <paramref name="run"/>: the config is saved (a resume checks it
    /// against the saved one) and the data's <paramref name="identity"/> recorded (a resume checks it,
    /// <see cref="RunIdentity"/>); with <paramref name="resume"/> the state is loaded from the run's checkpoint, and the
    /// rows of <paramref name="csvFiles"/> after that step dropped (metrics.csv always).
    /// </summary>
    public static DistillState Open(DistillOptions o, RunDirectory run, IReadOnlyDictionary<string, string> identity, nn.Module network, bool resume,
        params string[] csvFiles)
    {
        ResumeConfig.SaveOrCheck(o, run, resume, savedRequired: true);
        RunIdentity.RecordOrCheck(run, identity, resume);
        var parameters = network.parameters().ToArray();
        OptimizerHelper optimizer = o.Optim.Optimizer == OptimizerKind.RmsProp
            ? new KeptAliveRmsProp(parameters, o.Optim.LearningRate)
            : new KeptAliveAdam(parameters, o.Optim.LearningRate, flat: true); // one set of Adam ops per step (docs/performance.md, session 8)
        var state = new DistillState(network, parameters, optimizer, new Generator(unchecked((ulong)o.Seed) ^ 0xD1B54A32D192ED03UL));
        if (!resume) return state;
        state.Position = Checkpoint.Load(run.File(Checkpoint.FileName), network, optimizer, state.Directions);
        // A finished run has nothing to resume: its summary stays as training wrote it.
        if (state.Finished(o, run)) return state;
        foreach (string csv in csvFiles.Prepend("metrics.csv")) CsvRows.DropAfter(run.File(csv), state.Position.Step);
        return state;
    }

    /// <summary>The resumed run had finished (its last step and summary are written): its summary stands.</summary>
    public bool Finished(DistillOptions o, RunDirectory run) => Position.Step >= o.Optim.Steps && File.Exists(run.File(RunDirectory.SummaryFile));

    /// <summary>The summary of a resumed run that had finished (<see cref="Finished"/>), as training wrote it; null otherwise.</summary>
    public T? FinishedSummary<T>(DistillOptions o, RunDirectory run) where T : class =>
        Finished(o, run) ? System.Text.Json.JsonSerializer.Deserialize<T>(File.ReadAllText(run.File(RunDirectory.SummaryFile)), Json.Options) : null;

    /// <inheritdoc />
    public void Dispose()
    {
        Optimizer.Dispose();
        Directions.Dispose();
    }
}

/// <summary>The parts of a distillation run the step loop drives (single- or multi-game).</summary>
public sealed record DistillLoopParts
{
    /// <summary>The resolved config.</summary>
    public required DistillOptions Options { get; init; }

    /// <summary>The run directory (checkpoint, metrics).</summary>
    public required RunDirectory Run { get; init; }

    /// <summary>The module, optimiser and generator that train, and where the run starts.</summary>
    public required DistillState State { get; init; }

    /// <summary>The sampler's position (checkpointed).</summary>
    public required Func<long> SamplerPosition { get; init; }

    /// <summary>
    /// Batch shards per step (<see cref="DistillTrainer.ShardCount"/>): the loop runs that many shard threads, which the
    /// optimiser's update also uses.
    /// </summary>
    public required int Shards { get; init; }

    /// <summary>
    /// One step's loss at weight λ on the loop's shard threads: draws the next batch, zeroes the gradients and computes
    /// the loss and its gradients (one shard of the batch per thread).
    /// </summary>
    public required Func<double, ShardThreads, StepLoss> Step { get; init; }

    /// <summary>The validation split (early stopping, best snapshot).</summary>
    public required ValidationTracker Validation { get; init; }

    /// <summary>Evaluates the student on the validation split after the given step.</summary>
    public required Action<long> Validate { get; init; }

    /// <summary>Submits the student's weights after the given step to the snapshot evaluation.</summary>
    public required Action<long> Snapshot { get; init; }

    /// <summary>Progress label.</summary>
    public required string Label { get; init; }
}

/// <summary>What the step loop did.</summary>
/// <param name="Done">Steps done (the last one, counting resumed steps).</param>
/// <param name="LastLoss">Total loss of the last step.</param>
/// <param name="TrainSeconds">Wall time of the loop, summed over the run's processes (a resumed run continues from its checkpoint's).</param>
/// <param name="CpuSeconds">CPU time of the loop's processes during the loop, summed the same way.</param>
/// <param name="TrainingLossFell">The run's logged value loss of its last window was below its first step's (<see cref="DivergenceMonitor.TrainingLossFell"/>).</param>
public sealed record DistillLoopResult(long Done, double LastLoss, double TrainSeconds, double CpuSeconds, bool TrainingLossFell = false);

/// <summary>
/// The step loop of every distillation run (<see cref="DistillTrainer"/>, <see cref="MultiGameTrainer"/>): the batch
/// shards' threads (started after the trainer's set-up, stopped when the loop ends), learning-rate and λ schedules, the non-finite and divergence checks, gradient clipping, the optimiser step, metrics rows,
/// validation with early stopping (<see cref="ValidationTracker"/>), <c>optim.max_seconds</c>, checkpoints (resumable to
/// the same weights on CPU) and snapshot submission.
/// </summary>
public static class DistillLoop
{
    /// <summary>Runs the loop from the state's position (a resumed run's checkpoint, or 0).</summary>
    public static DistillLoopResult Run(DistillLoopParts p, IProgress<ProgressInfo>? progress, CancellationToken cancel)
    {
        var o = p.Options;
        var position = p.State.Position;
        using var shards = new ShardThreads(p.Shards);
        if (p.State.Optimizer is KeptAliveAdam adam) adam.Shards = shards;
        string checkpointPath = p.Run.File(Checkpoint.FileName);
        long total = o.Optim.Steps, lastGood = position.Step;
        // A run killed after its last step but before its summary: the final loss is the one its metrics logged.
        double lastLoss = position.Step >= total ? CsvRows.Value(p.Run.File("metrics.csv"), total, "loss_total") : double.NaN;
        // Time spent by earlier processes of a resumed run, as logged at its checkpoint (0 for runs logged before the
        // time columns existed): the run's train and CPU seconds are those of all its processes.
        double trainSecondsBefore = Logged(p.Run, position.Step, "train_seconds"), cpuSecondsBefore = Logged(p.Run, position.Step, "cpu_seconds");
        using var metrics = new MetricsLogger(p.Run);
        var divergence = new DivergenceMonitor(o.Divergence);
        var clock = Stopwatch.StartNew();
        var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        long done = position.Step;
        var window = Stopwatch.StartNew();
        long windowSamples = 0;
        bool stopped = p.Validation.Exhausted;
        for (long step = position.Step; step < total && !stopped; step++)
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            double lr = o.Optim.LrSchedule.At(o.Optim.LearningRate, step, total);
            foreach (var group in p.State.Optimizer.ParamGroups) group.LearningRate = lr;
            double lambda = o.Loss.WeightSchedule.At(o.Loss.Weight, step, total);
            var loss = p.Step(lambda, shards);
            double value = loss.Value, derivative = loss.Sobolev;
            if (!double.IsFinite(value) || !double.IsFinite(derivative))
                throw Diverged(p.Run, NotFinite(step, !double.IsFinite(value) ? "value" : "sobolev", value, derivative), lastGood);
            double gradNorm = nn.utils.clip_grad_norm_(p.State.Parameters, o.Optim.GradClip > 0 ? o.Optim.GradClip : double.PositiveInfinity);
            if (!double.IsFinite(gradNorm)) throw Diverged(p.Run, NotFinite(step, "gradient norm", value, derivative), lastGood);
            if (divergence.Add(step + 1, value) is { } grew) throw Diverged(p.Run, grew, lastGood);
            p.State.Optimizer.step();
            done = step + 1;
            windowSamples += loss.Rows;
            lastLoss = value + lambda * derivative;
            bool outOfTime = (o.Optim.MaxSeconds > 0 && trainSecondsBefore + clock.Elapsed.TotalSeconds >= o.Optim.MaxSeconds)
                || (o.Optim.MaxCpuSeconds > 0 && cpuSecondsBefore + (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds >= o.Optim.MaxCpuSeconds);
            bool last = done == total || outOfTime;
            if (p.Validation.Due(done, total) || (last && p.Validation.Enabled)) p.Validate(done);
            stopped = outOfTime || p.Validation.Exhausted;
            last |= stopped;
            bool checkpoint = done % o.Logging.CheckpointEvery == 0 || last;
            // The first step is logged too (the divergence check compares the run's last losses with it), and every
            // checkpointed one (a resumed run continues its time columns from there).
            if (done == 1 || done % o.Logging.MetricsEvery == 0 || checkpoint)
            {
                var row = new Dictionary<string, double>
                {
                    ["loss_value"] = value,
                    ["loss_sobolev"] = derivative,
                    ["loss_total"] = lastLoss,
                    ["grad_norm"] = gradNorm,
                    ["lr"] = lr,
                    ["lambda"] = lambda,
                    ["samples_per_s"] = windowSamples / Math.Max(window.Elapsed.TotalSeconds, 1e-9),
                    ["train_seconds"] = trainSecondsBefore + clock.Elapsed.TotalSeconds,
                    ["cpu_seconds"] = cpuSecondsBefore + (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds,
                };
                foreach (var (key, v) in loss.Columns ?? new Dictionary<string, double>()) row[key] = v;
                metrics.Log(done, row);
                window.Restart();
                windowSamples = 0;
            }
            if (checkpoint)
            {
                Checkpoint.Save(checkpointPath, new Checkpoint.Position(done, p.SamplerPosition()), p.State.Network, p.State.Optimizer, p.State.Directions);
                lastGood = done;
            }
            if ((o.Logging.EvalEvery > 0 && done % o.Logging.EvalEvery == 0) || last) p.Snapshot(done);
            progress?.Report(new ProgressInfo(p.Label, done, total));
        }
        return new DistillLoopResult(done, lastLoss, trainSecondsBefore + clock.Elapsed.TotalSeconds,
            cpuSecondsBefore + (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds,
            File.Exists(p.Run.File("metrics.csv")) && DivergenceMonitor.TrainingLossFell(MetricsLogger.ReadCsv(p.Run.File("metrics.csv")), o.Divergence.Window));
    }

    private static double Logged(RunDirectory run, long step, string column) =>
        step > 0 && CsvRows.Value(run.File("metrics.csv"), step, column) is var v && v >= 0 ? v : 0;

    /// <summary>The error of a run whose training diverged (<paramref name="what"/>), naming its last good checkpoint.</summary>
    public static UserErrorException Diverged(RunDirectory run, string what, long lastGood)
    {
        string checkpoint = lastGood > 0
            ? $"last good checkpoint: step {lastGood} in {run.File(Checkpoint.FileName)}"
            : "no checkpoint was written yet";
        return new UserErrorException($"training diverged: {what}; {checkpoint}; lower optim.learning_rate or loss.weight, or check the dataset's labels (divergence.enabled=false turns off all but the non-finite check)");
    }

    private static string NotFinite(long step, string term, double value, double derivative) =>
        string.Create(CultureInfo.InvariantCulture, $"{term} is not finite at step {step + 1} (loss_value={value}, loss_sobolev={derivative})");
}
