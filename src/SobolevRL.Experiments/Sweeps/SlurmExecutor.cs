using System.Diagnostics;
using System.Globalization;
using System.Text;
using SobolevRL.Runs;

namespace SobolevRL.Sweeps;

/// <summary>A submitted job array (<c>slurm/submissions.jsonl</c>, one line per submission).</summary>
/// <param name="JobId">Slurm job id of the array.</param>
/// <param name="Script">Path of the sbatch script.</param>
/// <param name="Runs">Run id of each array index.</param>
/// <param name="SubmittedAt">Unix time in seconds.</param>
public sealed record SlurmSubmission(string JobId, string Script, IReadOnlyList<string> Runs, double SubmittedAt);

/// <summary>
/// Runs sweep tasks on a Slurm cluster: one sbatch script with a job array (one task per pending run, <c>%N</c> cap,
/// per-task resources from the sweep's <c>slurm</c> section). Each task runs <c>sweep run-task</c> on a shared sweep
/// directory; the script records the exit code of tasks that die without writing their result.
/// </summary>
public static class SlurmExecutor
{
    /// <summary>The sbatch script running <paramref name="ids"/> as a job array.</summary>
    public static string Script(SweepDirectory sweep, string name, IReadOnlyList<string> ids, SlurmResources r, int threads, string device, CliInvocation cli)
    {
        var s = new StringBuilder("#!/bin/bash\n");
        s.Append(CultureInfo.InvariantCulture, $"#SBATCH --job-name=sobolevrl-{name}\n");
        s.Append(CultureInfo.InvariantCulture, $"#SBATCH --array=0-{ids.Count - 1}{(r.MaxParallel > 0 ? $"%{r.MaxParallel}" : "")}\n");
        s.Append(CultureInfo.InvariantCulture, $"#SBATCH --cpus-per-task={r.CpusPerTask}\n");
        if (r.Memory.Length > 0) s.Append(CultureInfo.InvariantCulture, $"#SBATCH --mem={r.Memory}\n");
        if (r.Time.Length > 0) s.Append(CultureInfo.InvariantCulture, $"#SBATCH --time={r.Time}\n");
        if (r.Partition.Length > 0) s.Append(CultureInfo.InvariantCulture, $"#SBATCH --partition={r.Partition}\n");
        s.Append(CultureInfo.InvariantCulture, $"#SBATCH --output={Path.Combine(sweep.Path, "slurm", "%A_%a.out")}\n");
        foreach (string line in r.Extra) s.Append("#SBATCH ").Append(line).Append('\n');
        s.Append("# Written by 'sobolevrl sweep --executor slurm'; one array task per run.\n");
        s.Append("set -u\n");
        s.Append("runs=(").AppendJoin(' ', ids).Append(")\n");
        s.Append("id=${runs[$SLURM_ARRAY_TASK_ID]}\n");
        s.Append(CultureInfo.InvariantCulture, $"sweep={Quote(sweep.Path)}\n");
        s.Append("run=\"$sweep/runs/$id\"\n");
        string t = threads.ToString(CultureInfo.InvariantCulture);
        s.Append(CultureInfo.InvariantCulture, $"export OMP_NUM_THREADS={t} MKL_NUM_THREADS={t}\n");
        s.Append(string.Join(' ', cli.Command.Select(Quote))).Append(" sweep run-task \"$sweep\" \"$id\" --threads ").Append(t)
            .Append(" --device ").Append(Quote(device)).Append(" >>\"$run/log.txt\" 2>&1\n");
        s.Append("rc=$?\n");
        s.Append("# No result for a task stopped by a signal (scancel, time limit): the run is interrupted and resumes next time.\n");
        s.Append(CultureInfo.InvariantCulture, $"if [ \"$rc\" -ne {SweepDirectory.AlreadyRunningExitCode} ] && [ \"$rc\" -ne 130 ] && [ \"$rc\" -ne 143 ] && [ ! -f \"$run/result.json\" ]; then\n");
        s.Append("  printf '{\"exit_code\": %d, \"wall_seconds\": \"NaN\", \"finished_at\": %d}\\n' \"$rc\" \"$(date +%s)\" >\"$run/result.json\"\n");
        s.Append("fi\n");
        s.Append("exit \"$rc\"\n");
        return s.ToString();
    }

    /// <summary>Writes the script, submits it with <c>sbatch</c> and records the submission.</summary>
    public static SlurmSubmission Submit(SweepDirectory sweep, string script, IReadOnlyList<string> ids)
    {
        string dir = Path.Combine(sweep.Path, "slurm");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, $"sweep-{DateTime.UtcNow:yyyyMMdd-HHmmss-fff}.sh");
        File.WriteAllText(path, script);
        double at = Now();
        var (code, stdout, stderr) = ExternalCommand.Run("sbatch", "--parsable", path);
        if (code != 0) throw new UserErrorException($"sbatch refused the job array ({stderr.Trim()}); check the slurm section of the sweep (partition, mem, time) and 'sinfo'");
        string job = stdout.Trim().Split(';')[0];
        var submission = new SlurmSubmission(job, path, ids, at);
        File.AppendAllText(Path.Combine(dir, "submissions.jsonl"), System.Text.Json.JsonSerializer.Serialize(submission, Json.Options).ReplaceLineEndings(" ") + "\n");
        return submission;
    }

    /// <summary>Array indices of <paramref name="jobId"/> still known to <c>squeue</c>, with their state (PENDING, RUNNING, …).</summary>
    public static Dictionary<int, string> Queued(string jobId)
    {
        var (code, stdout, _) = ExternalCommand.Run("squeue", "-h", "-r", "-j", jobId, "-o", "%K %T");
        var tasks = new Dictionary<int, string>();
        if (code != 0) return tasks; // an ended job is unknown to squeue
        foreach (string line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ');
            if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int index)) tasks[index] = parts[1];
        }
        return tasks;
    }

    /// <summary>Follows the job until squeue no longer lists it, reporting progress from the run directories.</summary>
    public static ExecutionOutcome Follow(SweepDirectory sweep, SlurmSubmission job, Action<string> log, IProgress<ProgressInfo>? progress, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        string last = "";
        while (true)
        {
            var queued = Queued(job.JobId);
            var states = job.Runs.Select(sweep.StatusOf).ToArray();
            int ended = states.Count(s => s.State is RunState.Done or RunState.Failed);
            string line = $"job {job.JobId}: {queued.Count(q => q.Value == "PENDING")} queued, {queued.Count(q => q.Value == "RUNNING")} running, " +
                $"{states.Count(s => s.State == RunState.Done)} done, {states.Count(s => s.State == RunState.Failed)} failed of {job.Runs.Count}";
            if (line != last) log(line);
            last = line;
            progress?.Report(new ProgressInfo($"slurm job {job.JobId}", ended, job.Runs.Count, "runs"));
            if (queued.Count == 0) break;
            if (cancel.WaitHandle.WaitOne(TimeSpan.FromSeconds(1)))
            {
                log($"stopped following; job {job.JobId} keeps running on the cluster (scancel {job.JobId} stops it); 'sobolevrl sweep status {sweep.Path}' shows progress");
                break;
            }
        }
        var final = job.Runs.Select(sweep.StatusOf).ToArray();
        foreach (var s in final.Where(s => s.State == RunState.Failed))
        {
            log($"FAILED {s.Run.Id} ({string.Join(", ", s.Run.Assignments.Select(a => $"{a.Key}={a.Value}"))}), exit code {s.Result?.ExitCode}; last log lines:");
            foreach (string l in sweep.LastLogLines(s.Run.Id)) log("    " + l);
        }
        var overheads = final.Where(s => s.Start != null && s.Start.StartedAt >= job.SubmittedAt).Select(s => s.Start!.StartedAt - job.SubmittedAt).ToArray();
        return new ExecutionOutcome(job.Runs.Count, final.Count(s => s.State == RunState.Done), final.Count(s => s.State == RunState.Failed),
            final.Count(s => s.State is RunState.Interrupted or RunState.Pending or RunState.Running), clock.Elapsed.TotalSeconds, overheads);
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static double Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
}
