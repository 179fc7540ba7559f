using System.ComponentModel;
using System.Globalization;
using System.Runtime.InteropServices;
using SobolevRL.Cli.Infrastructure;
using SobolevRL.Sweeps;
using Spectre.Console.Cli;

namespace SobolevRL.Cli.Commands.Sweep;

/// <summary><c>sobolevrl sweep</c>: expands a sweep definition into runs and executes the ones not finished yet.</summary>
public sealed class SweepCommand : Command<SweepCommand.Settings>
{
    /// <summary>Options of <c>sweep</c>.</summary>
    public sealed class Settings : MeasureSettings
    {
        /// <summary>Sweep definition.</summary>
        [CommandOption("--config <FILE>")]
        [Description("Sweep YAML: base config, grid and/or random search, seeds, data, slurm resources (default: DIR/sweep.yaml of --out).")]
        public string? Config { get; init; }

        /// <summary>Executor.</summary>
        [CommandOption("--executor <NAME>")]
        [Description("local (processes on this machine) or slurm (one sbatch job array).")]
        [DefaultValue("local")]
        public string Executor { get; init; } = "local";

        /// <summary>Parallel runs of the local executor.</summary>
        [CommandOption("--parallel <N>")]
        [Description("Runs at once on the local executor.")]
        [DefaultValue(1)]
        public int Parallel { get; init; } = 1;

        /// <summary>Threads of each run.</summary>
        [CommandOption("--threads-per-run <N>")]
        [Description("Intra-op threads of each run (0: the sweep's threads_per_run, else cores / --parallel locally, slurm.cpus_per_task on Slurm).")]
        [DefaultValue(0)]
        public int ThreadsPerRun { get; init; }

        /// <summary>Sweep directory.</summary>
        [CommandOption("--out <DIR>")]
        [Description("Sweep directory (default: runs/sweep-<name>). Running again resumes it; a changed definition runs only new runs.")]
        public string? Out { get; init; }

        /// <summary>Retry failed runs.</summary>
        [CommandOption("--retry-failed")]
        [Description("Run failed runs again (their previous attempt moves to runs/ID/failed-N/).")]
        public bool RetryFailed { get; init; }

        /// <summary>Only show what would run.</summary>
        [CommandOption("--dry-run")]
        [Description("Print the runs (and, with --executor slurm, the sbatch script) without writing or starting anything.")]
        public bool DryRun { get; init; }

        /// <summary>Return after submitting (Slurm).</summary>
        [CommandOption("--no-wait")]
        [Description("Slurm: return after submitting; follow with 'sobolevrl sweep status DIR', aggregate with 'sobolevrl sweep report DIR'.")]
        public bool NoWait { get; init; }
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        string? configFile = settings.Config;
        if (configFile is null)
        {
            string saved = settings.Out is null ? "" : Path.Combine(settings.Out, "sweep.yaml");
            if (!File.Exists(saved)) throw new UserErrorException("--config is required: a sweep YAML file (or --out naming an existing sweep directory to resume)");
            configFile = saved;
        }
        var definition = SweepDefinition.Load(configFile);
        if (settings.Executor is not ("local" or "slurm"))
            throw new UserErrorException($"--executor {settings.Executor}: unknown executor; use local or slurm");
        if (settings.Executor == "slurm" && !ExternalCommand.OnPath("sbatch"))
            throw new UserErrorException("--executor slurm is not available here: no sbatch on PATH; install Slurm's client tools (and point SLURM_CONF at the cluster) or use --executor local");
        if (settings.Parallel < 1) throw new UserErrorException($"--parallel {settings.Parallel}: must be >= 1");
        if (settings.ThreadsPerRun < 0) throw new UserErrorException($"--threads-per-run {settings.ThreadsPerRun}: must be >= 0");
        _ = Hardware.Devices.Parse(definition.Device);
        var expanded = SweepPlanner.Expand(definition, Path.GetDirectoryName(Path.GetFullPath(configFile))!);

        string outDir = settings.Out ?? Path.Combine("runs", $"sweep-{definition.Name}");
        var sweep = new SweepDirectory(outDir);
        bool existing = File.Exists(sweep.PlanFile);
        if (!existing && Directory.Exists(sweep.Path) && Directory.EnumerateFileSystemEntries(sweep.Path).Any())
            throw new UserErrorException($"'{outDir}' exists, is not empty and is not a sweep directory; choose another --out");
        int threads = settings.ThreadsPerRun > 0 ? settings.ThreadsPerRun
            : definition.ThreadsPerRun > 0 ? definition.ThreadsPerRun
            : settings.Executor == "slurm" ? definition.Slurm.CpusPerTask
            : Math.Max(1, Environment.ProcessorCount / settings.Parallel);

        var states = existing
            ? expanded.Runs.ToDictionary(r => r.Id, r => Directory.Exists(sweep.RunDir(r.Id)) && File.Exists(Path.Combine(sweep.RunDir(r.Id), "run.json")) ? sweep.StatusOf(r.Id).State : RunState.Pending)
            : expanded.Runs.ToDictionary(r => r.Id, _ => RunState.Pending);
        var todo = expanded.Runs.Where(r => states[r.Id] is RunState.Pending or RunState.Interrupted || (settings.RetryFailed && states[r.Id] == RunState.Failed))
            .Select(r => r.Id).ToArray();
        int done = states.Values.Count(s => s == RunState.Done), failed = states.Values.Count(s => s == RunState.Failed), running = states.Values.Count(s => s == RunState.Running);
        Output.Log($"sweep {definition.Name}: {expanded.Runs.Count} runs ({done} done, {failed} failed{(settings.RetryFailed ? ", retried" : "")}, {running} running elsewhere); {todo.Length} to run with {settings.Executor}, {threads} thread(s) each");

        var cli = CliInvocation.Current();
        if (settings.DryRun)
        {
            foreach (var r in expanded.Runs)
                Console.Out.WriteLine($"{r.Id}  {states[r.Id].ToString().ToLowerInvariant(),-11}  {string.Join(", ", r.Assignments.Select(a => $"{a.Key}={a.Value}"))}");
            if (settings.Executor == "slurm" && todo.Length > 0)
                Console.Out.Write(SlurmExecutor.Script(sweep, definition.Name, todo, definition.Slurm, threads, definition.Device, cli));
            return 0;
        }

        sweep.Write(expanded, configFile);
        if (settings.RetryFailed)
            foreach (string id in todo.Where(id => states[id] == RunState.Failed)) sweep.ArchiveFailedAttempt(id);

        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void Stop(PosixSignalContext signal)
        {
            signal.Cancel = true;
            if (!interrupt.IsCancellationRequested) Output.Log($"stopping ({signal.Signal}): no new runs start; running ones stop and resume next time");
            interrupt.Cancel();
        }
        // Ctrl-C (SIGINT) and SIGTERM (kill, scancel of a sweep run inside a job) both stop cleanly.
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        ExecutionOutcome outcome;
        string? job = null;
        if (todo.Length == 0) outcome = new ExecutionOutcome(0, 0, 0, 0, 0, []);
        else if (settings.Executor == "local")
            outcome = CliProgress.Run(p => LocalExecutor.Run(sweep, todo, settings.Parallel, threads, definition.Device, cli, Output.Log, p, interrupt.Token), plain: settings.Json);
        else
        {
            var submission = SlurmExecutor.Submit(sweep, SlurmExecutor.Script(sweep, definition.Name, todo, definition.Slurm, threads, definition.Device, cli), todo);
            job = submission.JobId;
            Output.Log($"submitted job array {job} ({todo.Length} tasks): {submission.Script}");
            if (settings.NoWait)
            {
                if (settings.Json) Output.Json(new { sweep = sweep.Path, job, runs = expanded.Runs.Count, submitted = todo.Length });
                return 0;
            }
            outcome = CliProgress.Run(p => SlurmExecutor.Follow(sweep, submission, Output.Log, p, interrupt.Token), plain: settings.Json);
        }

        var (_, report) = SweepReport.Write(sweep);
        var all = sweep.Status();
        var overhead = outcome.StartOverheadSeconds.Order().ToArray();
        var result = new
        {
            sweep = sweep.Path,
            executor = settings.Executor,
            job,
            runs = all.Count,
            done = all.Count(s => s.State == RunState.Done),
            failed = all.Count(s => s.State == RunState.Failed),
            not_finished = all.Count(s => s.State is RunState.Pending or RunState.Interrupted or RunState.Running),
            executed = outcome.Started,
            parallel = settings.Executor == "local" ? settings.Parallel : definition.Slurm.MaxParallel,
            threads_per_run = threads,
            wall_seconds = outcome.WallSeconds,
            start_overhead_seconds_min = overhead.Length > 0 ? overhead[0] : double.NaN,
            start_overhead_seconds_median = overhead.Length > 0 ? overhead[overhead.Length / 2] : double.NaN,
            report,
        };
        if (settings.Json) Output.Json(result);
        else
        {
            string F(double v) => double.IsNaN(v) ? "–" : v.ToString("F2", CultureInfo.InvariantCulture);
            Output.Table($"sweep {definition.Name} ({settings.Executor})", ["figure", "value"],
            [
                ["runs", result.runs.ToString(CultureInfo.InvariantCulture)],
                ["done", result.done.ToString(CultureInfo.InvariantCulture)],
                ["failed", result.failed.ToString(CultureInfo.InvariantCulture)],
                ["not finished", result.not_finished.ToString(CultureInfo.InvariantCulture)],
                ["executed now", result.executed.ToString(CultureInfo.InvariantCulture)],
                ["wall seconds", F(result.wall_seconds)],
                ["start overhead s (min / median)", $"{F(result.start_overhead_seconds_min)} / {F(result.start_overhead_seconds_median)}"],
            ]);
            Output.Log($"report: {report}");
        }
        return result.failed > 0 || interrupt.IsCancellationRequested ? 1 : 0;
    }
}
