using SobolevRL.Replay;
using SobolevRL.Runs;
using static TorchSharp.torch;

namespace SobolevRL.Distillation;

/// <summary>What a teacher is, for the compression ratio of a run.</summary>
/// <param name="Description">Path or name of the teacher.</param>
/// <param name="Parameters">Parameter count of the teacher (0 when unknown).</param>
public sealed record TeacherInfo(string Description, long Parameters);

/// <summary>Everything a distillation run needs.</summary>
/// <param name="Options">The resolved config.</param>
/// <param name="Data">The labelled dataset.</param>
/// <param name="Run">The run directory (new, or the one being resumed).</param>
/// <param name="Device">Training device.</param>
/// <param name="Resume">Continue from the run's checkpoint.</param>
/// <param name="Teacher">The teacher, when known (compression ratio in the summary).</param>
public sealed record DistillSetup(DistillOptions Options, IReplayDataset Data, RunDirectory Run, Device Device, bool Resume = false, TeacherInfo? Teacher = null);

/// <summary>Final figures of a distillation run (<c>summary.json</c>).</summary>
/// <param name="Student">Student spec.</param>
/// <param name="StudentParameters">Student parameter count.</param>
/// <param name="TeacherParameters">Teacher parameter count (0 when unknown).</param>
/// <param name="CompressionRatio">Teacher parameters / student parameters (NaN when unknown).</param>
/// <param name="Sobolev">The Sobolev term (off, full, vjp:K) and estimator.</param>
/// <param name="Steps">Optimiser steps done.</param>
/// <param name="FinalLoss">Total loss of the last logged step.</param>
/// <param name="HeldOutKl">Held-out KL(teacher ‖ student).</param>
/// <param name="HeldOutAgreement">Held-out arg-max agreement.</param>
/// <param name="HeldOutGradientError">Held-out relative gradient-label error.</param>
/// <param name="OnnxPath">Exported student.</param>
/// <param name="OnnxMaxAbsDiff">Largest |ORT − TorchSharp| logit difference on held-out states.</param>
/// <param name="TrainSeconds">Wall time of the training loop in this process.</param>
/// <param name="ChosenStep">Step of the weights the student ends with (the best validation snapshot, or the last step).</param>
/// <param name="ValidationKl">Validation KL of the chosen snapshot (NaN without a validation split).</param>
/// <param name="CpuSeconds">CPU time of this process (all its threads) during the training loop.</param>
/// <param name="Epochs">Training samples drawn / training states.</param>
/// <param name="Lambda">Weight λ of the Sobolev term (0 when it is off).</param>
public sealed record DistillSummary(string Student, long StudentParameters, long TeacherParameters, double CompressionRatio, string Sobolev,
    long Steps, double FinalLoss, double HeldOutKl, double HeldOutAgreement, double HeldOutGradientError, string OnnxPath, double OnnxMaxAbsDiff, double TrainSeconds,
    long ChosenStep = 0, double ValidationKl = double.NaN, double CpuSeconds = double.NaN, double Epochs = double.NaN, double Lambda = double.NaN) : IDistillSummary;

/// <summary>What the summary of every distillation run (one game or several) says of its training loop and validation.</summary>
public interface IDistillSummary
{
    /// <summary>Optimiser steps done.</summary>
    long Steps { get; }

    /// <summary>Step of the weights the student ends with (the best validation snapshot, or the last step).</summary>
    long ChosenStep { get; }

    /// <summary>Validation KL at <see cref="ChosenStep"/> (NaN without a validation split).</summary>
    double ValidationKl { get; }

    /// <summary>Wall time of the training loop in this process.</summary>
    double TrainSeconds { get; }

    /// <summary>CPU time of this process during the training loop.</summary>
    double CpuSeconds { get; }
}
