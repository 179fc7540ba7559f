using System.Security.Cryptography;
using SobolevRL.Collection;
using SobolevRL.Envs.Core;
using SobolevRL.Envs.Registry;
using SobolevRL.IO;
using SobolevRL.Replay;
using SobolevRL.Runs;
using SobolevRL.Policies;
using SobolevRL.Teachers;
using static TorchSharp.torch;

namespace SobolevRL.Distillation;

/// <summary>Everything a collection job needs: what to collect (<see cref="Collection"/>), from which teacher, into which directory.</summary>
public sealed record CollectionJobOptions
{
    /// <summary>
    /// Collection settings. On resume only <see cref="CollectionOptions.States"/> (a new target; 0 keeps the manifest's),
    /// <see cref="CollectionOptions.EnvThreads"/>, <see cref="CollectionOptions.LabelShards"/> and a mixture's student path are taken from here; the rest comes from the manifest.
    /// </summary>
    public CollectionOptions Collection { get; init; } = new();

    /// <summary>The teacher .onnx file (on resume: null takes the manifest's path).</summary>
    public string? TeacherPath { get; init; }

    /// <summary>The student of a <c>mix:β</c> driver when resuming (the manifest records β, not the student's path).</summary>
    public string? Student { get; init; }

    /// <summary>Values overriding the teacher's model card.</summary>
    public TeacherOverrides? TeacherOverrides { get; init; }

    /// <summary>Dataset directory.</summary>
    public string OutDir { get; init; } = "";

    /// <summary>Continue the collection in <see cref="OutDir"/> instead of creating it.</summary>
    public bool Resume { get; init; }

    /// <summary>Frame-stack depth; null derives it from the teacher's input channels over the environment's.</summary>
    public int? FrameStack { get; init; }

    /// <summary>Device of the teacher (and student).</summary>
    public Device Device { get; init; } = CPU;

    /// <summary>Environment registry (null: the built-in one).</summary>
    public EnvRegistry? Registry { get; init; }
}

/// <summary>What a collection job did.</summary>
/// <param name="Run">The collector's figures of this run.</param>
/// <param name="Manifest">The manifest as last committed.</param>
/// <param name="Resumed">The job continued an existing dataset.</param>
/// <param name="RemovedShards">Uncommitted shard directories removed on resume (their states were collected again).</param>
public sealed record CollectionJobResult(CollectionResult Run, DatasetManifest Manifest, bool Resumed, IReadOnlyList<string> RemovedShards);

/// <summary>
/// The library entry point of <c>sobolevrl collect</c>: loads the teacher (and the student of student or mixture drivers),
/// checks that they fit the environment before anything is written, creates or resumes the dataset and runs
/// <see cref="Collector.Run"/>. In the Distillation namespace because a student or mixture driver may act with a
/// finished distillation run (<see cref="RunStudent"/>), while distillation opens smoke datasets through the collector.
/// Progress reports count the states of this run (so rates and ETA are right on resume).
/// </summary>
public static class CollectionJob
{
    /// <summary>Runs the job; every problem a user can fix is a <see cref="UserErrorException"/> (or an <see cref="EnvException"/>).</summary>
    public static CollectionJobResult Run(CollectionJobOptions job, IProgress<ProgressInfo>? progress = null, CancellationToken cancel = default)
    {
        if (string.IsNullOrWhiteSpace(job.OutDir)) throw new UserErrorException("`out` is required: the dataset directory to write");
        var registry = job.Registry ?? EnvRegistry.CreateDefault();
        DatasetManifest? existing = null;
        CollectionOptions options;
        string? teacherPath = job.TeacherPath;
        if (job.Resume)
        {
            if (!Directory.Exists(job.OutDir)) throw new UserErrorException($"`resume`: {job.OutDir} does not exist, nothing to resume; drop `resume` to start a new collection there");
            FileLock.ThrowIfWriterBusy(job.OutDir);
            existing = DatasetReader.ReadManifest(job.OutDir);
            options = Collector.OptionsOf(existing, job.Collection.States >= 1 ? job.Collection.States : null, job.Collection.EnvThreads)
                with
            { LabelShards = job.Collection.LabelShards };
            if (options.Driver is { Kind: DriverKind.Mix, StudentPath: null })
                options = options with { Driver = options.Driver with { StudentPath = job.Student ?? job.Collection.Driver.StudentPath ?? throw new UserErrorException($"{job.OutDir} was collected with `driver` {options.Driver}: give the same `student` FILE to resume it") } };
            teacherPath ??= existing.Teacher.Path;
        }
        else
        {
            if (Directory.Exists(job.OutDir) || File.Exists(job.OutDir))
                throw new UserErrorException($"output directory {job.OutDir} already exists; choose a new `out`, or pass `resume` to continue the collection in it");
            options = WithoutEnvFrameStack(job.Collection, registry);
        }
        if (string.IsNullOrEmpty(teacherPath)) throw new UserErrorException("`teacher` is required: the policy .onnx file that labels every state");
        options.Validate();

        using var teacher = TeacherLoader.Load(teacherPath, job.Device, job.TeacherOverrides);
        string teacherSha = Sha256Of(teacherPath);
        if (existing != null && !string.Equals(existing.Teacher.Sha256, teacherSha, StringComparison.OrdinalIgnoreCase))
            throw new UserErrorException($"`teacher` {teacherPath} is not the teacher that labelled {job.OutDir} (SHA-256 {teacherSha[..12]}… vs {existing.Teacher.Sha256[..Math.Min(12, existing.Teacher.Sha256.Length)]}…); resume with the original teacher file");
        using var student = LoadStudent(options.Driver, job.Device);
        string? studentSha = options.Driver.StudentPath is { } sp && File.Exists(sp) ? Sha256Of(sp) : null;
        if (existing?.Collection.StudentSha256 is { } oldStudent && studentSha != null && !string.Equals(oldStudent, studentSha, StringComparison.OrdinalIgnoreCase))
            throw new UserErrorException($"the student {options.Driver.StudentPath} changed since {job.OutDir} was collected; resume with the original student");

        BoxSpace observation;
        int actions;
        using (var probe = registry.Make(options.EnvId, new EnvOptions(options.EnvOptions)))
        {
            observation = probe.ObservationSpace;
            actions = probe.ActionSpace.N;
        }
        int frameStack = existing?.FrameStack ?? job.FrameStack ?? FrameStackOf(teacher.ObservationShape, observation);
        options = options with { FrameStack = frameStack };
        // A recurrent teacher of single frames labels frame stacks for a feed-forward student: it reads the newest frame.
        using var stacked = teacher.StateSize > 0 && frameStack > 1 && FrameStackOf(teacher.ObservationShape, observation) == 1
            ? new StackedRecurrentTeacher(teacher, frameStack) : null;
        IPolicy labeller = stacked ?? (IPolicy)teacher;
        Collector.CheckCompatible(labeller, student, observation, actions, frameStack, options.EnvId);

        DatasetWriter? writer = null;
        IReadOnlyList<string> removed = [];
        if (existing != null)
        {
            if (!existing.FrameShape.SequenceEqual(observation.Shape) || existing.Actions != actions)
                throw new UserErrorException($"{options.EnvId} now gives frames ({string.Join(", ", observation.Shape)}) and {actions} actions, {job.OutDir} holds ({string.Join(", ", existing.FrameShape)}) and {existing.Actions}: resume with the environment build that collected it");
            writer = DatasetWriter.Resume(job.OutDir, out removed);
            // A new target is committed before collecting, so a kill leaves a manifest whose target says what --resume continues to.
            writer.Retarget(options.States);
        }
        else
        {
            var record = new TeacherRecord { Path = teacherPath, Sha256 = teacherSha, Temperature = teacher.Temperature, Card = teacher.Card };
            if (options.StoreTeacherState && teacher.StateSize == 0)
                throw new UserErrorException($"`store_teacher_state`: teacher {teacherPath} is not recurrent (its card lists no recurrent.state); drop `store_teacher_state`");
            var manifest = Collector.NewManifest(options, observation, actions, record, studentSha) with
            {
                TeacherStateSize = options.StoreTeacherState ? teacher.StateSize : 0,
                UnlabelledChannels = stacked is null ? 0 : (int)(teacher.ObservationShape[0] * (frameStack - 1)),
            };
            writer = DatasetWriter.Create(job.OutDir, manifest);
        }
        using (writer)
        {
            long start = writer.Manifest.States;
            var relative = progress is null ? null : new OffsetProgress(progress, start);
            var envOptions = options.EnvOptions;
            var result = Collector.Run(labeller, student, _ => registry.Make(options.EnvId, new EnvOptions(envOptions)), writer, options, relative, cancel);
            return new CollectionJobResult(result, writer.Manifest, existing != null, removed);
        }
    }

    /// <summary>Name of the environment option that stacks frames inside the environment (ALE's <c>frame_stack</c>).</summary>
    public const string EnvFrameStackOption = "frame_stack";

    /// <summary>
    /// Turns off an environment's own frame stacking unless the user set it: the dataset stores single frames and
    /// rebuilds stacks from indices, so the collector stacks (k derived from the teacher's input channels).
    /// </summary>
    public static CollectionOptions WithoutEnvFrameStack(CollectionOptions options, EnvRegistry registry)
    {
        var family = registry.Families.FirstOrDefault(f => options.EnvId.StartsWith(f.Prefix, StringComparison.Ordinal));
        if (family == null || options.EnvOptions.ContainsKey(EnvFrameStackOption) || !family.Options.Any(o => o.Name == EnvFrameStackOption)) return options;
        return options with { EnvOptions = new(options.EnvOptions) { [EnvFrameStackOption] = "1" } };
    }

    /// <summary>Frame-stack depth that makes the environment's frames fit a policy input (1 when none does; the compatibility check then names the mismatch).</summary>
    public static int FrameStackOf(long[] policyShape, BoxSpace observation)
    {
        var s = observation.Shape;
        if (policyShape.Length != 3 || s.Length != 3 || policyShape[1] != s[1] || policyShape[2] != s[2] || s[0] == 0) return 1;
        return policyShape[0] % s[0] == 0 && policyShape[0] >= s[0] ? (int)(policyShape[0] / s[0]) : 1;
    }

    /// <summary>SHA-256 (hex, lower case) of a file.</summary>
    public static string Sha256Of(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>
    /// The acting student of student and mixture drivers: an ONNX policy file (loaded like a teacher) or a finished
    /// <c>sobolevrl distill</c> run directory (its TorchSharp student and checkpoint); null for the teacher driver.
    /// </summary>
    public static IStudentDriver? LoadStudent(DriverSpec driver, Device device)
    {
        if (driver.Kind == DriverKind.Teacher) return null;
        string path = driver.StudentPath ?? throw new UserErrorException($"`driver` {driver} needs a student file");
        if (Directory.Exists(path)) return new PolicyStudentDriver(RunStudent.Load(path, device));
        if (!File.Exists(path)) throw new UserErrorException($"student '{path}' not found; give a policy .onnx file or a distillation run directory");
        return new PolicyStudentDriver(TeacherLoader.Load(path, device));
    }

    /// <summary>Reports progress relative to the states already committed when the job started.</summary>
    private sealed class OffsetProgress(IProgress<ProgressInfo> inner, long start) : IProgress<ProgressInfo>
    {
        public void Report(ProgressInfo value) => inner.Report(value with { Done = value.Done - start, Total = value.Total - start });
    }
}
