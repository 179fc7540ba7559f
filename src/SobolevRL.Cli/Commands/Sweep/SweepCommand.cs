using System.Runtime.InteropServices;
using SobolevRL.Sweeps;

namespace SobolevRL.Cli.Commands.Sweep;

/// <summary><c>sobolevrl sweep</c>: expands a sweep definition into runs and executes the ones not finished yet.</summary>
public sealed class SweepCommand : Command<SweepCommand.Settings>
{
    /// <summary>Options of <c>sweep</c>.</summary>
    public sealed class Settings : MeasureSettings
    {
        /// <summary>Sweep definition.</summary>
        [CommandOption("--config <FILE>"), Description("Sweep YAML: base config, grid and/or random search, seeds, data, slurm resources (default: DIR/sweep.yaml of --out).")]
        public string? Config { get; init; }

        /// <summary>Executor.</summary>
        [CommandOption("--executor <NAME>"), Description("local (processes on this machine) or slurm (one sbatch job array)."), DefaultValue("local")]
        public string Executor { get; init; } = "local";

        /// <summary>Parallel runs of the local executor.</summary>
        [CommandOption("--parallel <N>"), Description("Runs at once on the local executor."), DefaultValue(1)]
        public int Parallel { get; init; } = 1;

        /// <summary>Threads of each run.</summary>
        [CommandOption("--threads-per-run <N>"), Description("Intra-op threads of each run (0: the sweep's threads_per_run, else cores / --parallel locally, slurm.cpus_per_task on Slurm)."), DefaultValue(0)]
        public int ThreadsPerRun { get; init; }

        /// <summary>Sweep directory.</summary>
        [CommandOption("--out <DIR>"), Description("Sweep directory (default: runs/sweep-<name>). Running again resumes it; a changed definition runs only new runs.")]
        public string? Out { get; init; }

        /// <summary>Retry failed runs.</summary>
        [CommandOption("--retry-failed"), Description("Run failed runs again (their previous attempt moves to runs/ID/failed-N/).")]
        public bool RetryFailed { get; init; }

        /// <summary>Only show what would run.</summary>
        [CommandOption("--dry-run"), Description("Print the runs (and, with --executor slurm, the sbatch script) without writing or starting anything.")]
        public bool DryRun { get; init; }

        /// <summary>Return after submitting (Slurm).</summary>
        [CommandOption("--no-wait"), Description("Slurm: return after submitting; follow with 'sobolevrl sweep status DIR', aggregate with 'sobolevrl sweep report DIR'.")]
        public bool NoWait { get; init; }
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var plan = SweepJob.Plan(new SweepJobOptions
        {
            ConfigFile = settings.Config,
            Executor = settings.Executor,
            Parallel = settings.Parallel,
            ThreadsPerRun = settings.ThreadsPerRun,
            OutDir = settings.Out,
            RetryFailed = settings.RetryFailed,
        });
        Output.Log(plan.Describe());
        var cli = CliInvocation.Current();
        if (settings.DryRun)
        {
            foreach (var run in plan.Runs.Runs)
                Console.Out.WriteLine($"{run.Id}  {plan.States[run.Id].ToString().ToLowerInvariant(),-11}  {string.Join(", ", run.Assignments.Select(a => $"{a.Key}={a.Value}"))}");
            if (plan.SlurmScript(cli) is { } script) Console.Out.Write(script);
            return 0;
        }

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
        var r = CliProgress.Run(p => SweepJob.Run(plan, cli, wait: !settings.NoWait, Output.Log, p, interrupt.Token), plain: settings.Json);
        if (r.Report is null)
        {
            if (settings.Json) Output.Json(new { sweep = plan.Sweep.Path, job = r.Job, runs = plan.Runs.Runs.Count, submitted = plan.Todo.Count });
            return 0;
        }
        var all = r.Status;
        var overhead = r.Outcome.StartOverheadSeconds.Order().ToArray();
        var result = new
        {
            sweep = plan.Sweep.Path,
            executor = settings.Executor,
            job = r.Job,
            runs = all.Count,
            done = all.Count(s => s.State == RunState.Done),
            failed = all.Count(s => s.State == RunState.Failed),
            not_finished = all.Count(s => s.State is RunState.Pending or RunState.Interrupted or RunState.Running),
            executed = r.Outcome.Started,
            parallel = settings.Executor == "local" ? settings.Parallel : plan.Definition.Slurm.MaxParallel,
            threads_per_run = plan.Threads,
            wall_seconds = r.Outcome.WallSeconds,
            start_overhead_seconds_min = overhead.Length > 0 ? overhead[0] : double.NaN,
            start_overhead_seconds_median = overhead.Length > 0 ? overhead[overhead.Length / 2] : double.NaN,
            report = r.Report,
        };
        if (settings.Json) Output.Json(result);
        else
        {
            string F(double v) => double.IsNaN(v) ? "–" : v.ToString("F2", CultureInfo.InvariantCulture);
            Output.Table($"sweep {plan.Definition.Name} ({settings.Executor})", ["figure", "value"],
            [
                ["runs", result.runs.ToString(CultureInfo.InvariantCulture)],
                ["done", result.done.ToString(CultureInfo.InvariantCulture)],
                ["failed", result.failed.ToString(CultureInfo.InvariantCulture)],
                ["not finished", result.not_finished.ToString(CultureInfo.InvariantCulture)],
                ["executed now", result.executed.ToString(CultureInfo.InvariantCulture)],
                ["wall seconds", F(result.wall_seconds)],
                ["start overhead s (min / median)", $"{F(result.start_overhead_seconds_min)} / {F(result.start_overhead_seconds_median)}"],
            ]);
            Output.Log($"report: {result.report}");
        }
        return result.failed > 0 || interrupt.IsCancellationRequested ? 1 : 0;
    }
}
