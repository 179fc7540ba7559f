using SobolevRL.IO;
using System.Diagnostics;
using System.Globalization;
using SobolevRL.Distillation;

namespace SobolevRL.Sweeps;

/// <summary>
/// One run of a sweep, executed by <c>sobolevrl sweep run-task DIR ID</c> under any executor: takes the run's lock,
/// records its start, gets its dataset (collecting it once, shared, under the dataset lock), then runs (or resumes)
/// <c>distill</c> and records the exit code.
/// </summary>
public static class SweepTask
{
    /// <summary>Runs run <paramref name="id"/>; <paramref name="cli"/> runs a CLI command line and returns its exit code.</summary>
    public static int Run(SweepDirectory sweep, string id, int threads, string device, Func<string[], int> cli, Action<string> log, CancellationToken cancel = default)
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
            log($"run {id} already ended with exit code {previous.ExitCode}; retry failed runs with 'sobolevrl sweep --retry-failed'");
            return previous.ExitCode;
        }
        var clock = Stopwatch.StartNew();
        string slurm = Environment.GetEnvironmentVariable("SLURM_ARRAY_JOB_ID") is { } job ? $"{job}_{Environment.GetEnvironmentVariable("SLURM_ARRAY_TASK_ID")}" : "";
        sweep.WriteStart(id, new RunStart(Environment.MachineName, Environment.ProcessId, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0, slurm));
        log($"run {id}: {string.Join(", ", run.Assignments.Select(a => $"{a.Key}={a.Value}"))}");
        int code;
        try
        {
            string data = DataFor(sweep, run.Data, cli, log, cancel);
            code = cli(DistillArgs(sweep, id, data, run.Data.Teacher, threads, device, log));
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

    // The --data value of a run; a collected dataset is produced once under the store's lock.
    private static string DataFor(SweepDirectory sweep, DataSpec data, Func<string[], int> cli, Action<string> log, CancellationToken cancel)
    {
        if (!data.NeedsCollection) return data.SmokeOrSource();
        string description = $"{data.Env}, {data.States} states, labels {data.Labels}, seed {data.Seed}, teacher {Path.GetFileName(data.Teacher)}";
        return sweep.Datasets.Ensure(data.ContentHash(), description, (dir, resume) => cli(CollectArgs(data, dir, resume)), log, cancel);
    }

    /// <summary>The <c>collect</c> command line that produces <paramref name="data"/> into <paramref name="dir"/>.</summary>
    public static string[] CollectArgs(DataSpec data, string dir, bool resume)
    {
        var args = new List<string>
        {
            "collect", "--env", data.Env, "--teacher", data.Teacher, "--states", data.States.ToString(CultureInfo.InvariantCulture),
            "--labels", data.Labels, "--seed", data.Seed.ToString(CultureInfo.InvariantCulture), "--out", dir,
        };
        if (resume) args.Add("--resume");
        return args.ToArray();
    }

    private static string[] DistillArgs(SweepDirectory sweep, string id, string data, string teacher, int threads, string device, Action<string> log)
    {
        string output = sweep.OutputDir(id);
        bool resume = File.Exists(Path.Combine(output, Checkpoint.FileName));
        // Output without a checkpoint holds nothing a restart would not rewrite; distill refuses a non-empty directory.
        if (!resume && Directory.Exists(output)) Directory.Delete(output, recursive: true);
        if (resume) log("resuming distill from its checkpoint");
        var args = new List<string>
        {
            "distill", "--config", Path.Combine(sweep.RunDir(id), Runs.RunDirectory.ConfigFile), "--data", data, "--out", output,
            "--threads", threads.ToString(CultureInfo.InvariantCulture), "--device", device, "--json",
        };
        if (teacher.Length > 0) args.AddRange(["--teacher", teacher]);
        if (resume) args.Add("--resume");
        return args.ToArray();
    }
}
