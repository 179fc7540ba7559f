using SobolevRL.IO;
using System.Diagnostics;
using System.Globalization;
using SobolevRL.Collection;
using SobolevRL.Distillation;
using SobolevRL.Hardware;
using SobolevRL.Runs;
using SobolevRL.Teachers;

namespace SobolevRL.Sweeps;

/// <summary>
/// One run of a sweep, executed by <c>sobolevrl sweep run-task DIR ID</c> under any executor: takes the run's lock,
/// records its start, gets its dataset (collecting it once, shared, under the dataset lock, with
/// <see cref="CollectionJob"/>), then runs (or resumes) <see cref="DistillJob"/> on the run's resolved config file
/// and records the exit code. The jobs run in this process: the run task is the isolation boundary.
/// </summary>
public static class SweepTask
{
    /// <summary>
    /// Runs run <paramref name="id"/>: collection with libtorch's default thread count, distillation with
    /// <paramref name="threads"/> threads on <paramref name="device"/>; returns its exit code (<see cref="ExitCodes"/>).
    /// </summary>
    public static int Run(SweepDirectory sweep, string id, int threads, string device, Action<string> log, CancellationToken cancel = default)
    {
        var run = sweep.ReadRun(id);
        using var held = FileLock.TryAcquire(sweep.LockFile(id));
        if (held is null)
        {
            log($"run {id} is already running in another process; nothing to do");
            return SweepDirectory.AlreadyRunningExitCode;
        }
        var status = sweep.StatusOf(id);
        if (status.Result is { } previous)
        {
            log($"run {id} already ended with exit code {previous.ExitCode}; failed runs are retried by a sweep started with retry_failed");
            return previous.ExitCode;
        }
        var clock = Stopwatch.StartNew();
        string slurm = Environment.GetEnvironmentVariable("SLURM_ARRAY_JOB_ID") is { } job ? $"{job}_{Environment.GetEnvironmentVariable("SLURM_ARRAY_TASK_ID")}" : "";
        sweep.WriteStart(id, new RunStart(Environment.MachineName, Environment.ProcessId, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0, slurm));
        log($"run {id}: {string.Join(", ", run.Assignments.Select(a => $"{a.Key}={a.Value}"))}");
        int code;
        try
        {
            string data = DataFor(sweep, run.Data, log, cancel);
            code = Exited(() => Distill(sweep, id, data, run.Data.Teacher, threads, device, log, cancel), log);
        }
        catch (DatasetProductionException e)
        {
            log($"error: {e.Message}");
            code = 1;
        }
        sweep.WriteResult(id, new RunResult(code, clock.Elapsed.TotalSeconds, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0));
        log($"run {id} ended with exit code {code} after {clock.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s");
        return code;
    }

    // The dataset source of a run; a collected dataset is produced once under the store's lock.
    private static string DataFor(SweepDirectory sweep, DataSpec data, Action<string> log, CancellationToken cancel)
    {
        if (!data.NeedsCollection) return data.SmokeOrSource();
        string description = $"{data.Env}, {data.States} states, labels {data.Labels}, seed {data.Seed}, teacher {Path.GetFileName(data.Teacher)}";
        return sweep.Datasets.Ensure(data.ContentHash(), description, (dir, resume) => Exited(() => Collect(data, dir, resume, log, cancel), log), log, cancel);
    }

    /// <summary>The collection job that produces <paramref name="data"/> into <paramref name="dir"/> (collection defaults for everything the spec leaves out).</summary>
    public static CollectionJobOptions CollectJob(DataSpec data, string dir, bool resume) => new()
    {
        Collection = new CollectionOptions { EnvId = data.Env, States = data.States, Labels = LabelMode.Parse(data.Labels), Seed = data.Seed },
        TeacherPath = data.Teacher,
        OutDir = dir,
        Resume = resume,
    };

    private static void Collect(DataSpec data, string dir, bool resume, Action<string> log, CancellationToken cancel)
    {
        var r = CollectionJob.Run(CollectJob(data, dir, resume), cancel: cancel);
        log($"collect: {r.Manifest.States} states in {dir} ({r.Run.NewStates} new, {r.Run.StatesPerSecond.ToString("F0", CultureInfo.InvariantCulture)} states/s)");
    }

    private static void Distill(SweepDirectory sweep, string id, string data, string teacher, int threads, string device, Action<string> log, CancellationToken cancel)
    {
        TorchSharp.torch.set_num_threads(threads);
        string output = sweep.OutputDir(id);
        // Output without a checkpoint holds nothing a restart would not rewrite; the job starts it again.
        if (File.Exists(Path.Combine(output, Checkpoint.FileName))) log("resuming distill from its checkpoint");
        var (run, summary, _) = DistillJob.Run(new DistillJobOptions
        {
            ConfigFile = Path.Combine(sweep.RunDir(id), RunDirectory.ConfigFile),
            Data = data,
            OutDir = output,
            Start = DistillStart.ResumeIfCheckpointed,
            TeacherPath = teacher.Length > 0 ? teacher : null,
            Device = Devices.Parse(device),
        }, cancel: cancel, warn: log);
        log(Json.Serialize(new { run = run.Path, summary }));
    }

    // Runs a job as a process would: 0 when it returns, ExitCodes.UserError with one error line for a mistake the
    // user can fix, ExitCodes.InternalError for any other failure (the run is recorded as failed; the sweep goes on).
    private static int Exited(Action job, Action<string> log)
    {
        try
        {
            job();
            return 0;
        }
        catch (Exception e) when (UserErrors.MessageOf(e) is { } message)
        {
            log($"error: {message}");
            return ExitCodes.UserError;
        }
        catch (Exception e) when (e is not DatasetProductionException)
        {
            log($"error: internal error: {e}");
            return ExitCodes.InternalError;
        }
    }
}
