using System.Diagnostics;
using System.Globalization;
using SobolevRL.Runs;

namespace SobolevRL.Sweeps;

/// <summary>What an executor did with the runs it was given.</summary>
/// <param name="Started">Runs started.</param>
/// <param name="Done">Runs that ended successfully.</param>
/// <param name="Failed">Runs that failed.</param>
/// <param name="Interrupted">Runs stopped by cancellation (they resume next time).</param>
/// <param name="WallSeconds">Wall time of the whole execution.</param>
/// <param name="StartOverheadSeconds">Per started run: time from launch (or submission) to the run task's start record.</param>
public sealed record ExecutionOutcome(int Started, int Done, int Failed, int Interrupted, double WallSeconds, IReadOnlyList<double> StartOverheadSeconds);

/// <summary>
/// Runs sweep tasks on this machine: up to N at once, each a separate CLI process (<c>sweep run-task</c>) with its own
/// thread budget and its output appended to the run's <c>log.txt</c>. A failing run is recorded and the others go on.
/// On cancellation (Ctrl-C, SIGTERM) no new run starts and the running ones get SIGTERM (SIGKILL after a grace period); they
/// keep their checkpoints and resume on the next invocation.
/// </summary>
public static class LocalExecutor
{
    /// <summary>Runs the tasks of <paramref name="ids"/> with <paramref name="parallel"/> processes of <paramref name="threads"/> threads each.</summary>
    public static ExecutionOutcome Run(SweepDirectory sweep, IReadOnlyList<string> ids, int parallel, int threads, string device, CliInvocation cli,
        Action<string> log, IProgress<ProgressInfo>? progress = null, CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        int done = 0, failed = 0, interrupted = 0, started = 0, finished = 0;
        var overheads = new List<double>();
        var gate = new object();
        using var slots = new SemaphoreSlim(parallel);
        progress?.Report(new ProgressInfo($"sweep {Path.GetFileName(sweep.Path)}", 0, ids.Count, "runs"));
        var tasks = ids.Select(id => Task.Run(async () =>
        {
            try { await slots.WaitAsync(cancel); }
            catch (OperationCanceledException) { return; }
            try
            {
                if (cancel.IsCancellationRequested) return;
                Interlocked.Increment(ref started);
                var (code, wasCancelled, overhead) = await RunOne(sweep, id, threads, device, cli, cancel);
                lock (gate)
                {
                    if (!double.IsNaN(overhead)) overheads.Add(overhead);
                    var status = sweep.StatusOf(id);
                    string what = string.Join(", ", status.Run.Assignments.Select(a => $"{a.Key}={a.Value}"));
                    if (wasCancelled && status.State != RunState.Done) { interrupted++; log($"interrupted {id} ({what}); it resumes next time"); return; }
                    finished++;
                    if (code == SweepDirectory.AlreadyRunningExitCode) log($"skipped {id}: running in another process");
                    else if (status.State == RunState.Done) { done++; log($"[{finished}/{ids.Count}] done {id} ({what}) in {F(status.Result?.WallSeconds ?? double.NaN)} s"); }
                    else
                    {
                        failed++;
                        log($"[{finished}/{ids.Count}] FAILED {id} ({what}), exit code {status.Result?.ExitCode ?? code}; last log lines:");
                        foreach (string line in sweep.LastLogLines(id)) log("    " + line);
                    }
                    progress?.Report(new ProgressInfo($"sweep {Path.GetFileName(sweep.Path)}", finished, ids.Count, "runs"));
                }
            }
            finally { slots.Release(); }
        })).ToArray();
        Task.WaitAll(tasks);
        return new ExecutionOutcome(started, done, failed, interrupted, clock.Elapsed.TotalSeconds, overheads);
    }

    private static async Task<(int Code, bool Cancelled, double Overhead)> RunOne(SweepDirectory sweep, string id, int threads, string device, CliInvocation cli, CancellationToken cancel)
    {
        // The shell only redirects (append) and execs the CLI, so the pid we signal is the run task itself.
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardInput = true };
        foreach (string a in new[] { "-c", "exec \"$@\" >>\"$SOBOLEVRL_SWEEP_LOG\" 2>&1 </dev/null", "sh" }
                     .Concat(cli.Command).Concat(CliInvocation.TaskArgs(sweep.Path, id, threads, device)))
            psi.ArgumentList.Add(a);
        psi.Environment["SOBOLEVRL_SWEEP_LOG"] = sweep.LogFile(id);
        psi.Environment["OMP_NUM_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
        psi.Environment["MKL_NUM_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
        Directory.CreateDirectory(sweep.RunDir(id));
        double launched = Now();
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start /bin/sh");
        bool cancelled = false;
        try { await process.WaitForExitAsync(cancel); }
        catch (OperationCanceledException)
        {
            cancelled = true;
            Signals.Send(process.Id, Signals.Terminate);
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try { await process.WaitForExitAsync(grace.Token); }
            catch (OperationCanceledException) { process.Kill(entireProcessTree: true); await process.WaitForExitAsync(CancellationToken.None); }
        }
        int code = process.ExitCode;
        // Ctrl-C on a terminal reaches the runs directly: they may end before our own handler has run.
        cancelled |= cancel.IsCancellationRequested || SweepDirectory.IsStopSignalExit(code);
        // A task that died without writing its result (crash, OOM kill) is recorded here, unless it was stopped.
        if (!cancelled && code != SweepDirectory.AlreadyRunningExitCode && !sweep.HasResult(id))
            sweep.WriteResult(id, new RunResult(code, Now() - launched, Now()));
        var start = sweep.StatusOf(id).Start;
        return (code, cancelled, start != null && start.StartedAt >= launched - 1 ? start.StartedAt - launched : double.NaN);
    }

    private static double Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    private static string F(double v) => v.ToString("F1", CultureInfo.InvariantCulture);
}
