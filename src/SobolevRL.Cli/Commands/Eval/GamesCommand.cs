using SobolevRL.Evaluation;
using SobolevRL.Experiments;

namespace SobolevRL.Cli.Commands.Eval;

/// <summary><c>sobolevrl eval --policy RUN --games ...</c>: prints a <see cref="MultiGameSuite"/> as one row per game (or JSON).</summary>
internal static class GamesCommand
{
    /// <summary>Scores the multi-game run of <paramref name="settings"/> under <paramref name="preset"/>.</summary>
    public static int Run(EvalCommand.Settings settings, EvaluationPreset preset)
    {
        if (settings.Game != null || settings.Teacher != null || settings.Data != null || settings.Env != null || settings.EnvOptions.Length > 0)
            throw new UserErrorException("--games scores every game of the run: drop --game, --env, --env-option, --teacher and --data (per game: --game-teacher, --game-data, --held-out)");
        var device = TorchSetup.Apply(settings);
        var rows = MultiGameSuite.Run(new MultiGameSuiteOptions
        {
            Run = settings.Policy,
            Teachers = Pairs(settings.GameTeachers, "--game-teacher"),
            HeldOut = Pairs(settings.HeldOut, "--held-out"),
            Data = Pairs(settings.GameData, "--game-data"),
            Episodes = settings.Episodes,
            Preset = preset,
            SeedOffset = settings.SeedOffset,
            Device = device,
        }, Output.Log);
        if (settings.Json)
        {
            Output.Json(new { policy = settings.Policy, preset = preset.Name, games = rows });
            return 0;
        }
        string F(double? v) => v is { } x && !double.IsNaN(x) ? x.ToString("G4", CultureInfo.InvariantCulture) : "–";
        Output.Table($"{settings.Policy}: {rows.Count} games, {settings.Episodes} episodes each, {rows[0].Result.Protocol}",
            ["game", "env", "split", "return (mean ± 95% CI)", "teacher", "% of teacher", "held-out KL", "agreement", "gradient error"],
            [.. rows.Select(r => new[]
            {
                r.Game, r.Env, r.Split,
                r.Result.Returns is { } s ? $"{F(s.Mean)} ± {F((s.CiHigh - s.CiLow) / 2)}" : "–",
                r.Result.TeacherReturns is { } t ? $"{F(t.Mean)} ± {F((t.CiHigh - t.CiLow) / 2)}" : "–",
                F(r.Result.PercentOfTeacher), F(r.Result.HeldOut?.Kl), F(r.Result.HeldOut?.Agreement), F(r.Result.HeldOut?.GradientRelativeError),
            })]);
        return 0;
    }

    // GAME=VALUE pairs of a repeatable flag; a game given twice is an error.
    private static Dictionary<string, string> Pairs(IEnumerable<string> values, string flag)
    {
        var pairs = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string v in values)
        {
            int eq = v.IndexOf('=');
            if (eq <= 0 || eq == v.Length - 1) throw new UserErrorException($"{flag} {v}: expected GAME=VALUE");
            if (!pairs.TryAdd(v[..eq].Trim(), v[(eq + 1)..].Trim())) throw new UserErrorException($"{flag}: game '{v[..eq]}' is given twice; give each game once");
        }
        return pairs;
    }
}
