using SobolevRL.Collection;
using SobolevRL.IO;
using SobolevRL.Config;
using SobolevRL.Replay;
using SobolevRL.Runs;
using SobolevRL.Teachers;
using static SobolevRL.UserErrorException;
using static TorchSharp.torch;

namespace SobolevRL.Distillation;

/// <summary>How a distillation job treats its run directory.</summary>
public enum DistillStart
{
    /// <summary>A new run: the directory must not exist or be empty.</summary>
    New,

    /// <summary>Continue the run in the directory from its checkpoint.</summary>
    Resume,

    /// <summary>
    /// Continue from the checkpoint when there is one, else start again (a directory without a checkpoint holds
    /// nothing a restart would not rewrite): what sweeps and experiments do with killed work.
    /// </summary>
    ResumeIfCheckpointed,
}

/// <summary>Everything a distillation job needs, as the config keys of <c>sobolevrl distill</c> name it.</summary>
public sealed record DistillJobOptions : RunJobOptions
{
    /// <summary>Dataset source (<c>data</c>): a directory written by <c>collect</c> or <c>smoke:ENV,STATES,LABELS</c>.</summary>
    public string Data { get; init; } = "";

    /// <summary>New run, resume, or resume when checkpointed (<c>resume</c>).</summary>
    public DistillStart Start { get; init; }

    /// <summary>Teacher .onnx file (<c>teacher</c>; optional): checked against the dataset, its size gives the compression ratio.</summary>
    public string? TeacherPath { get; init; }

    /// <summary>Fraction of the dataset's training episodes to train on (<c>train_fraction</c>, in (0, 1]).</summary>
    public double TrainFraction { get; init; } = 1.0;

    /// <summary>Train on the intact shards of a dataset with damaged ones (<c>allow_damaged</c>); refused by default.</summary>
    public bool AllowDamaged { get; init; }
}

/// <summary>What a distillation job did.</summary>
/// <param name="Run">The run directory.</param>
/// <param name="Summary">Final figures (also in the run's <c>summary.json</c>).</param>
/// <param name="Resumed">The job continued the run from its checkpoint.</param>
public sealed record DistillJobResult(RunDirectory Run, DistillSummary Summary, bool Resumed);

/// <summary>
/// The one way to start a distillation (<c>sobolevrl distill</c>, sweeps, experiments): resolves the config (on resume
/// the run's saved one), opens the dataset, checks teacher, labels and student shape before the run directory exists,
/// creates or resumes the run and trains with <see cref="DistillTrainer"/>.
/// </summary>
public static class DistillJob
{
    /// <summary>Runs the job from its options; every problem a user can fix is a <see cref="UserErrorException"/>.</summary>
    public static DistillJobResult Run(DistillJobOptions job, IProgress<ProgressInfo>? progress = null, CancellationToken cancel = default, Action<string>? warn = null)
    {
        var options = ResolveOptions(job);
        // A second writer is refused before any work, naming the one at work.
        if (Resumes(job.Start, job.OutDir) && Directory.Exists(job.OutDir)) FileLock.ThrowIfWriterBusy(job.OutDir!);
        using var data = DatasetSource.Open(job.Data, warn, job.TrainFraction, job.AllowDamaged);
        TeacherInfo? teacher = job.TeacherPath is null ? null : FittingTeacher(job.TeacherPath, data.Summary);
        return Run(options, data, job.OutDir, "distill", job.Start, teacher, job.Device, progress, cancel);
    }

    /// <summary>The job's resolved options: its config file (on resume the run's saved one) with its overrides.</summary>
    public static DistillOptions ResolveOptions(DistillJobOptions job)
    {
        if (job.Data.Length == 0) throw new UserErrorException($"{Key("data")} is required: a dataset directory or smoke:ENV,STATES,LABELS");
        return ConfigLoader.Load<DistillOptions>(ResumeConfig.File(job.ConfigFile, job.OutDir, Resumes(job.Start, job.OutDir)), job.Overrides);
    }

    /// <summary>Runs the job with resolved options on an opened dataset (experiments that hold both).</summary>
    public static DistillJobResult Run(DistillOptions options, IReplayDataset data, string? outDir, string runName, DistillStart start, TeacherInfo? teacher,
        Device device, IProgress<ProgressInfo>? progress = null, CancellationToken cancel = default)
    {
        DistillationLoss.CheckCompatible(options.Loss.SobolevMode(), data.Summary.Labels);
        using (StudentSpec.Parse(options.Student).Build(data.Summary.ObservationShape, data.Summary.Actions)) { } // shape errors before the run directory exists
        bool resume = Resumes(start, outDir);
        if (start == DistillStart.ResumeIfCheckpointed && !resume && Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        var run = RunDirectory.Create(runName, outDir, resume);
        using var writing = run.LockForWriting();
        var summary = DistillTrainer.Train(new DistillSetup(options, data, run, device, resume, teacher), progress, cancel);
        return new DistillJobResult(run, summary, resume);
    }

    /// <summary>The teacher at <paramref name="path"/>, checked to be one that could have labelled <paramref name="data"/>.</summary>
    public static TeacherInfo FittingTeacher(string path, DatasetSummary data)
    {
        using var loaded = TeacherLoader.Load(path, CPU);
        TeacherFit.Check(loaded, path, data);
        return new TeacherInfo(path, loaded.Graph.ParameterCount);
    }

    /// <summary>Whether a job started as <paramref name="start"/> continues the run in <paramref name="outDir"/>.</summary>
    public static bool Resumes(DistillStart start, string? outDir) => start switch
    {
        DistillStart.Resume => true,
        DistillStart.ResumeIfCheckpointed => outDir is not null && File.Exists(Path.Combine(outDir, Checkpoint.FileName)),
        _ => false,
    };
}
