using System.Globalization;
using SobolevRL.Evaluation;
using SobolevRL.Hardware;
using SobolevRL.Policies;
using SobolevRL.Replay;
using SobolevRL.Runs;
using SobolevRL.Sobolev;
using SobolevRL.Teachers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SobolevRL.Distillation;

/// <summary>
/// Distils a student from a labelled dataset: value loss + λ · Sobolev loss, with checkpoints (resumable to the same
/// weights on CPU), metrics, concurrent snapshot evaluation, and the student exported to ONNX at the end.
/// </summary>
public static class DistillTrainer
{
    /// <summary>File name of the exported student.</summary>
    public const string OnnxFile = "student.onnx";

    /// <summary>Largest |ONNX Runtime − TorchSharp| logit difference accepted for the exported student.</summary>
    public const double OnnxTolerance = 1e-4;

    /// <summary>Runs (or resumes) the distillation described by <paramref name="setup"/>.</summary>
    public static DistillSummary Train(DistillSetup setup, IProgress<ProgressInfo>? progress = null, CancellationToken cancel = default)
    {
        var o = setup.Options;
        var data = setup.Data;
        var summary = data.Summary;
        var sobolev = o.Loss.SobolevMode();
        DistillationLoss.CheckCompatible(sobolev, summary.Labels);
        var spec = StudentSpec.Parse(o.Student);
        double temperature = o.Loss.Temperature > 0 ? o.Loss.Temperature : summary.Temperature;

        var network = BuildSeeded(spec, summary, o.Seed).to(setup.Device);
        using var student = new ModulePolicy(network, summary.ObservationShape, summary.Actions, spec.InputScale(summary.ObservationShape), temperature);
        using var state = DistillState.Open(o, setup.Run, RunIdentity.Of(data), network, setup.Resume, SnapshotEvaluator.FileName);
        if (state.FinishedSummary<DistillSummary>(o, setup.Run) is { } finished) return finished;
        var (parameters, directions, position) = (state.Parameters, state.Directions, state.Position);
        using var labelMask = DistillationLoss.LabelMask(summary, setup.Device);

        using var heldOut = data.HeldOut(o.Logging.HeldOutStates, setup.Device);
        using var sampler = data.OpenSampler(o.Optim.BatchSize, o.Seed, position.SamplerPosition, setup.Device, o.Validation.Fraction);
        using var validation = new ValidationTracker(o.Validation, data, setup.Run, temperature, setup.Device, position.Step);
        var evalPolicy = new ModulePolicy(spec.Build(summary.ObservationShape, summary.Actions), summary.ObservationShape, summary.Actions,
            student.InputScale, temperature);
        using var evaluator = new SnapshotEvaluator(evalPolicy, heldOut, temperature, setup.Run.File(SnapshotEvaluator.FileName),
            summary.EnvId, o.Logging.EvalEpisodes, labelMask);

        var loop = DistillLoop.Run(new DistillLoopParts
        {
            Options = o,
            Run = setup.Run,
            State = state,
            Shards = ShardCount(o, setup.Device),
            SamplerPosition = () => sampler.Position,
            Step = (lambda, shards) =>
            {
                using var batch = sampler.Next();
                network.zero_grad(set_to_none: true);
                using var parts = ShardedBackward.Compute(shards, parameters, batch,
                    b => DistillationLoss.Compute(student, b, o.Loss, sobolev, temperature, lambda, directions, labelMask: labelMask));
                return new StepLoss(parts.Value.item<float>(), parts.Sobolev.item<float>(), batch.Size);
            },
            Validation = validation,
            Validate = done => validation.Evaluate(done, student),
            Snapshot = done => evaluator.Submit(done, network),
            Label = $"distill {spec} sobolev={sobolev}",
        }, progress, cancel);
        long done = loop.Done;
        double lastLoss = loop.LastLoss, trainSeconds = loop.TrainSeconds, cpuSeconds = loop.CpuSeconds;
        evaluator.Complete();
        long chosenStep = validation.SelectInto(student, done);

        var final = HeldOutMetrics.Compute(student, heldOut, temperature, labelMask: labelMask);
        if (new DivergenceMonitor(o.Divergence).CheckFinal(o.Optim.Steps, final.Kl, heldOut, temperature, loop.TrainingLossFell) is { } worse) throw DistillLoop.Diverged(setup.Run, worse, o.Optim.Steps);
        string onnxPath = setup.Run.File(OnnxFile);
        double onnxDiff = StudentExport.Export(student, spec, summary, sobolev, o, onnxPath, heldOut);
        long studentParams = PolicyNetworks.ParameterCount(network);
        long teacherParams = setup.Teacher?.Parameters ?? 0;
        var result = new DistillSummary(spec.ToString(), studentParams, teacherParams,
            teacherParams > 0 ? (double)teacherParams / studentParams : double.NaN,
            sobolev.Kind == LabelKind.None ? "off" : $"{sobolev} ({o.Loss.Estimator.ToString().ToLowerInvariant()})",
            done, lastLoss, final.Kl, final.Agreement, final.GradientRelativeError, onnxPath, onnxDiff, trainSeconds,
            chosenStep, validation.KlAt(chosenStep), cpuSeconds,
            (double)done * o.Optim.BatchSize / sampler.TrainStates, sobolev.Kind == LabelKind.None ? 0 : o.Loss.Weight);
        setup.Run.WriteSummary(result);
        return result;
    }

    /// <summary>
    /// Shards per batch for <paramref name="o"/> on <paramref name="device"/>: <c>optim.shards</c>, or automatic when 0,
    /// never more than the batch's rows, and 1 for the finite-difference estimator, the projection form and input noise
    /// (whose random draws come from one generator in a fixed order).
    /// </summary>
    public static int ShardCount(DistillOptions o, Device device)
    {
        if ((o.Loss.Estimator == SobolevEstimator.Fd || o.Loss.DerivativeForm == DerivativeForm.Projection) && o.Loss.SobolevMode().Kind != LabelKind.None) return 1;
        if (o.Loss.InputNoise > 0) return 1;
        int shards = o.Optim.Shards > 0 ? o.Optim.Shards : ShardThreads.Auto(device);
        return Math.Min(shards, o.Optim.BatchSize);
    }

    private static readonly Lock SeedLock = new();

    /// <summary>
    /// Builds the student with initial weights drawn from the global generator seeded with <paramref name="seed"/>; the
    /// lock keeps concurrent trainers of one process from interleaving their draws.
    /// </summary>
    public static Sequential BuildSeeded(StudentSpec spec, DatasetSummary summary, long seed)
    {
        lock (SeedLock)
        {
            random.manual_seed(seed);
            return spec.Build(summary.ObservationShape, summary.Actions);
        }
    }
}
