using SobolevRL.Runs;
using static SobolevRL.UserErrorException;

namespace SobolevRL.Sweeps;

/// <summary>What a sweep job runs and how, as the config keys of <c>sobolevrl sweep</c> name it.</summary>
public sealed record SweepJobOptions
{
    /// <summary>Sweep YAML (<c>config</c>; null: the <c>sweep.yaml</c> saved in <see cref="OutDir"/>).</summary>
    public string? ConfigFile { get; init; }

    /// <summary><c>executor</c>: local (processes on this machine) or slurm (one job array).</summary>
    public string Executor { get; init; } = "local";

    /// <summary>Runs at once on the local executor (<c>parallel</c>).</summary>
    public int Parallel { get; init; } = 1;

    /// <summary>Threads of each run (<c>threads_per_run</c>; 0: the sweep's own, else cores / parallel locally, the Slurm cpus per task).</summary>
    public int ThreadsPerRun { get; init; }

    /// <summary>Sweep directory (<c>out</c>; null: <c>runs/sweep-NAME</c>).</summary>
    public string? OutDir { get; init; }

    /// <summary>Run failed runs again (<c>retry_failed</c>).</summary>
    public bool RetryFailed { get; init; }
}

/// <summary>A checked sweep and what is left of it, before anything is written.</summary>
/// <param name="Definition">The sweep definition.</param>
/// <param name="ConfigFile">The file it came from.</param>
/// <param name="Runs">Its runs.</param>
/// <param name="Sweep">Its directory.</param>
/// <param name="Executor">local or slurm.</param>
/// <param name="Parallel">Runs at once on the local executor.</param>
/// <param name="Threads">Threads of each run.</param>
/// <param name="States">State of every run.</param>
/// <param name="Todo">Ids of the runs to execute now.</param>
/// <param name="RetryFailed">Failed runs are among <paramref name="Todo"/>.</param>
public sealed record SweepJobPlan(SweepDefinition Definition, string ConfigFile, SweepPlanner.Expanded Runs, SweepDirectory Sweep, string Executor, int Parallel, int Threads,
    IReadOnlyDictionary<string, RunState> States, IReadOnlyList<string> Todo, bool RetryFailed)
{
    /// <summary>One line saying how many runs there are, in which state, and what runs now.</summary>
    public string Describe()
    {
        int done = States.Values.Count(s => s == RunState.Done), failed = States.Values.Count(s => s == RunState.Failed), running = States.Values.Count(s => s == RunState.Running);
        return $"sweep {Definition.Name}: {Runs.Runs.Count} runs ({done} done, {failed} failed{(RetryFailed ? ", retried" : "")}, {running} running elsewhere); {Todo.Count} to run with {Executor}, {Threads} thread(s) each";
    }

    /// <summary>The Slurm script that would run <see cref="Todo"/> (null on the local executor or with nothing to do).</summary>
    public string? SlurmScript(CliInvocation cli) => Executor == "slurm" && Todo.Count > 0
        ? SlurmExecutor.Script(Sweep, Definition.Name, Todo, Definition.Slurm, Threads, Definition.Device, cli)
        : null;
}

/// <summary>What a sweep job did.</summary>
/// <param name="Outcome">The executor's figures (all zero when nothing ran).</param>
/// <param name="Job">The Slurm job id (null locally).</param>
/// <param name="Report">Path of the aggregated report (null when only submitted).</param>
/// <param name="Status">Every run's status at the end.</param>
public sealed record SweepJobResult(ExecutionOutcome Outcome, string? Job, string? Report, IReadOnlyList<RunStatus> Status);

/// <summary>
/// The library entry point of <c>sobolevrl sweep</c>: <see cref="Plan"/> checks the definition and options, expands
/// the runs, sets each run's thread budget and finds what is left; <see cref="Run"/> writes the sweep, executes the
/// runs left (each through the one runner command, <c>sweep run-task</c>) and aggregates the report.
/// </summary>
public static class SweepJob
{
    /// <summary>The plan of a sweep; every problem a user can fix is a <see cref="UserErrorException"/>, thrown before anything is written.</summary>
    public static SweepJobPlan Plan(SweepJobOptions job)
    {
        string? configFile = job.ConfigFile;
        if (configFile is null)
        {
            string saved = job.OutDir is null ? "" : Path.Combine(job.OutDir, "sweep.yaml");
            if (!File.Exists(saved)) throw new UserErrorException($"{Key("config")} is required: a sweep YAML file (or {Key("out")} naming an existing sweep directory to resume)");
            configFile = saved;
        }
        var definition = SweepDefinition.Load(configFile);
        if (job.Executor is not ("local" or "slurm"))
            throw new UserErrorException($"{Key("executor")} {job.Executor}: unknown executor; use local or slurm");
        if (job.Executor == "slurm" && !ExternalCommand.OnPath("sbatch"))
            throw new UserErrorException($"{Key("executor")} slurm is not available here: no sbatch on PATH; install Slurm's client tools (and point SLURM_CONF at the cluster) or use {Key("executor")} local");
        if (job.Parallel < 1) throw new UserErrorException($"{Key("parallel")} {job.Parallel}: must be >= 1");
        if (job.ThreadsPerRun < 0) throw new UserErrorException($"{Key("threads_per_run")} {job.ThreadsPerRun}: must be >= 0");
        _ = Hardware.Devices.Parse(definition.Device);
        var expanded = SweepPlanner.Expand(definition, Path.GetDirectoryName(Path.GetFullPath(configFile))!);

        string outDir = job.OutDir ?? Path.Combine("runs", $"sweep-{definition.Name}");
        var sweep = new SweepDirectory(outDir);
        bool existing = File.Exists(sweep.PlanFile);
        if (!existing && Directory.Exists(sweep.Path) && Directory.EnumerateFileSystemEntries(sweep.Path).Any())
            throw new UserErrorException($"'{outDir}' exists, is not empty and is not a sweep directory; choose another {Key("out")}");
        int threads = job.ThreadsPerRun > 0 ? job.ThreadsPerRun
            : definition.ThreadsPerRun > 0 ? definition.ThreadsPerRun
            : job.Executor == "slurm" ? definition.Slurm.CpusPerTask
            : Math.Max(1, Environment.ProcessorCount / job.Parallel);

        var states = existing
            ? expanded.Runs.ToDictionary(r => r.Id, r => Directory.Exists(sweep.RunDir(r.Id)) && File.Exists(Path.Combine(sweep.RunDir(r.Id), "run.json")) ? sweep.StatusOf(r.Id).State : RunState.Pending)
            : expanded.Runs.ToDictionary(r => r.Id, _ => RunState.Pending);
        var todo = expanded.Runs.Where(r => states[r.Id] is RunState.Pending or RunState.Interrupted || (job.RetryFailed && states[r.Id] == RunState.Failed))
            .Select(r => r.Id).ToArray();
        return new SweepJobPlan(definition, configFile, expanded, sweep, job.Executor, job.Parallel, threads, states, todo, job.RetryFailed);
    }

    /// <summary>
    /// Writes the sweep and executes <see cref="SweepJobPlan.Todo"/> with its executor, each run a <c>sweep run-task</c>
    /// of <paramref name="cli"/>; with <paramref name="wait"/> false a Slurm job array is only submitted. Cancelling
    /// starts no new runs and stops the running ones (they resume next time).
    /// </summary>
    public static SweepJobResult Run(SweepJobPlan plan, CliInvocation cli, bool wait, Action<string> log, IProgress<ProgressInfo>? progress = null, CancellationToken cancel = default)
    {
        var sweep = plan.Sweep;
        sweep.Write(plan.Runs, plan.ConfigFile);
        if (plan.RetryFailed)
            foreach (string id in plan.Todo.Where(id => plan.States[id] == RunState.Failed)) sweep.ArchiveFailedAttempt(id);
        ExecutionOutcome outcome;
        string? job = null;
        if (plan.Todo.Count == 0) outcome = new ExecutionOutcome(0, 0, 0, 0, 0, []);
        else if (plan.Executor == "local")
            outcome = LocalExecutor.Run(sweep, plan.Todo, plan.Parallel, plan.Threads, plan.Definition.Device, cli, log, progress, cancel);
        else
        {
            var submission = SlurmExecutor.Submit(sweep, plan.SlurmScript(cli)!, plan.Todo);
            job = submission.JobId;
            log($"submitted job array {job} ({plan.Todo.Count} tasks): {submission.Script}");
            if (!wait) return new SweepJobResult(new ExecutionOutcome(plan.Todo.Count, 0, 0, 0, 0, []), job, null, sweep.Status());
            outcome = SlurmExecutor.Follow(sweep, submission, log, progress, cancel);
        }
        var (_, _, report) = SweepReport.Write(sweep);
        return new SweepJobResult(outcome, job, report, sweep.Status());
    }
}
