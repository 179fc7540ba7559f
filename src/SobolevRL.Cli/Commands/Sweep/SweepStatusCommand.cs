using SobolevRL.Sweeps;

namespace SobolevRL.Cli.Commands.Sweep;

/// <summary><c>sobolevrl sweep status DIR</c>: done / running / failed / pending runs, from the shared directory alone.</summary>
public sealed class SweepStatusCommand : Command<SweepStatusCommand.Settings>
{
    /// <summary>Options of <c>sweep status</c>.</summary>
    public sealed class Settings : MeasureSettings
    {
        /// <summary>Sweep directory.</summary>
        [CommandArgument(0, "<DIR>"), Description("Sweep directory.")]
        public string Dir { get; init; } = "";
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var sweep = SweepDirectory.Open(settings.Dir);
        var plan = sweep.ReadPlan();
        var statuses = sweep.Status();
        var counts = Enum.GetValues<RunState>().ToDictionary(s => s.ToString().ToLowerInvariant(), s => statuses.Count(x => x.State == s));
        if (settings.Json)
        {
            Output.Json(new
            {
                sweep = sweep.Path,
                counts,
                runs = statuses.Select(s => new
                {
                    id = s.Run.Id,
                    state = s.State,
                    assignments = s.Run.Assignments,
                    exit_code = s.Result?.ExitCode,
                    wall_seconds = s.Result?.WallSeconds,
                    host = s.Start?.Host,
                    slurm_job = s.Start?.SlurmJob,
                    last_log_lines = s.State == RunState.Failed ? sweep.LastLogLines(s.Run.Id) : null,
                }),
            });
            return 0;
        }
        Output.Table($"sweep {plan.Name}: " + string.Join(", ", counts.Where(c => c.Value > 0).Select(c => $"{c.Value} {c.Key}")),
            new[] { "id", "state" }.Concat(plan.SweptKeys).Append("exit").Append("wall s").ToArray(),
            statuses.Select(s => new[] { s.Run.Id, s.State.ToString().ToLowerInvariant() }
                .Concat(plan.SweptKeys.Select(k => s.Run.Assignments.GetValueOrDefault(k, "")))
                .Append(s.Result?.ExitCode.ToString(CultureInfo.InvariantCulture) ?? "")
                .Append(s.Result is { } r && double.IsFinite(r.WallSeconds) ? r.WallSeconds.ToString("F1", CultureInfo.InvariantCulture) : "").ToArray()));
        foreach (var s in statuses.Where(s => s.State == RunState.Failed))
        {
            Output.Log($"failed {s.Run.Id} (exit code {s.Result?.ExitCode}); last log lines of {sweep.LogFile(s.Run.Id)}:");
            foreach (string line in sweep.LastLogLines(s.Run.Id)) Output.Log("    " + line);
        }
        return 0;
    }
}
