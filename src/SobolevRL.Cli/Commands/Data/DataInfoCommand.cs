using SobolevRL.Replay;

namespace SobolevRL.Cli.Commands.Data;

/// <summary><c>sobolevrl data info DIR</c>: what a replay dataset holds, its space per state, and any shard left out.</summary>
public sealed class DataInfoCommand : Command<DataInfoCommand.Settings>
{
    /// <summary>Options of <c>data info</c>.</summary>
    public sealed class Settings : MeasureSettings
    {
        /// <summary>Dataset directory.</summary>
        [CommandArgument(0, "<DIR>"), Description("Replay dataset directory (written by `sobolevrl collect`).")]
        public string Dir { get; init; } = "";

        /// <summary>Skip the SHA-256 check.</summary>
        [CommandOption("--no-verify"), Description("Skip the SHA-256 check of every file (sizes and headers are still checked).")]
        public bool NoVerify { get; init; }
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(settings.Dir)) throw new UserErrorException($"{settings.Dir}: no such directory; give a dataset directory written by `sobolevrl collect`");
        using var reader = DatasetReader.Open(settings.Dir, verifyChecksums: !settings.NoVerify);
        var info = DatasetInfo.Of(reader);
        var m = info.Manifest;
        if (settings.Json)
        {
            Output.Json(new
            {
                dir = settings.Dir,
                schema_version = m.SchemaVersion,
                env = m.EnvId,
                env_options = m.EnvOptions,
                frame_shape = m.FrameShape,
                frame_stack = m.FrameStack,
                actions = m.Actions,
                teacher = new { m.Teacher.Path, m.Teacher.Sha256, m.Teacher.Temperature },
                labels = m.Labels,
                grad_dtype = m.GradDtype,
                driver = m.Collection.Driver,
                acting = m.Collection.Acting,
                epsilon = m.Collection.Epsilon,
                seed = m.Collection.Seed,
                complete = m.Complete,
                target_states = m.Collection.TargetStates,
                shards = m.Shards.Count,
                usable_shards = reader.Shards.Count,
                states = info.States,
                split = new { rule = m.Collection.Split, heldout_fraction = m.Collection.HeldOutFraction, train_states = info.TrainStates, held_out_states = info.HeldOutStates, episodes = info.Episodes, held_out_episodes = info.HeldOutEpisodes },
                partial_episodes = info.PartialEpisodes,
                returns = new { train = info.TrainReturns, held_out = info.HeldOutReturns },
                bytes_per_state = info.BytesPerState,
                arrays = info.Arrays,
                problems = info.Problems,
            });
            return 0;
        }
        string F(double v) => double.IsNaN(v) ? "-" : v.ToString("G5", CultureInfo.InvariantCulture);
        string R(ReturnStats r) => r.Episodes == 0 ? "no finished episode" : $"{F(r.Mean)} ± {F(r.Std)} (min {F(r.Min)}, max {F(r.Max)}, {r.Episodes} episodes)";
        var rows = new List<string[]>
        {
            new[] { "env", m.EnvId + (m.EnvOptions.Count == 0 ? "" : " " + string.Join(" ", m.EnvOptions.Select(p => $"{p.Key}={p.Value}"))) },
            new[] { "observation", $"frames {string.Join("×", m.FrameShape)}, stack {m.FrameStack}, {m.Actions} actions" },
            new[] { "teacher", $"{m.Teacher.Path} (sha256 {m.Teacher.Sha256[..Math.Min(12, m.Teacher.Sha256.Length)]}…, τ {F(m.Teacher.Temperature)})" },
            new[] { "labels", $"{m.Labels}, gradients as {m.GradDtype}" },
            new[] { "driver", $"{m.Collection.Driver}, {m.Collection.Acting}, ε {F(m.Collection.Epsilon)}, seed {m.Collection.Seed}" },
            new[] { "states", StatesText(info.States, m.Collection.TargetStates, m.Complete) },
            new[] { "shards", $"{reader.Shards.Count} usable of {m.Shards.Count}" },
            new[] { "split", $"train {info.TrainStates} states, held out {info.HeldOutStates} states ({info.HeldOutEpisodes} of {info.Episodes} episodes; {m.Collection.Split} rule, fraction {F(m.Collection.HeldOutFraction)})" },
            new[] { "partial episodes", info.PartialEpisodes.ToString(CultureInfo.InvariantCulture) },
            new[] { "returns (train)", R(info.TrainReturns) },
            new[] { "returns (held out)", R(info.HeldOutReturns) },
            new[] { "bytes per state", info.BytesPerState.ToString("N0", CultureInfo.InvariantCulture) },
        };
        rows.AddRange(info.Arrays.Select(a => new[] { $"  {a.Array} ({a.Dtype})", $"{a.BytesPerState.ToString("N0", CultureInfo.InvariantCulture)} B/state, {a.TotalBytes.ToString("N0", CultureInfo.InvariantCulture)} B" }));
        Output.Table($"dataset {settings.Dir}", ["", ""], rows);
        foreach (string p in info.Problems) Output.Log($"problem: {p}");
        return 0;
    }

    // The states line: collected of the target. A resume with a larger --states extends a dataset past the target its
    // manifest first recorded; that is said rather than printed as "8000 of 5000".
    private static string StatesText(long states, long target, bool complete) =>
        states > target ? $"{states} ({(complete ? "complete" : "incomplete")}; a resume raised the target from the {target} first recorded)"
        : $"{states} of {target} ({(complete ? "complete" : "incomplete: `collect --resume` continues")})";
}
