using System.Text.Json;
using SobolevRL.Distillation;
using SobolevRL.Evaluation;
using SobolevRL.Runs;
using SobolevRL.Teachers;
using static SobolevRL.UserErrorException;
using static TorchSharp.torch;

namespace SobolevRL.Experiments;

/// <summary>How evaluation finds a game's policy in a distillation run (single- or multi-game).</summary>
public static class MultiGameRuns
{
    /// <summary>The summary of a multi-game run, or null for any other directory.</summary>
    public static MultiGameSummary? Summary(string runDir)
    {
        string path = Path.Combine(runDir, RunDirectory.SummaryFile);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<MultiGameSummary>(File.ReadAllText(path), Json.Options) is { Games.Count: > 0 } s ? s : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Index of <paramref name="game"/> in the multi-game run <paramref name="runDir"/>, or −1 for a single-game run
    /// (where <paramref name="game"/> must be null); a multi-game run needs a game named.
    /// </summary>
    public static int GameIndex(string runDir, string? game)
    {
        if (Summary(runDir) is not { } summary) return NoGame(game);
        string names = string.Join(", ", summary.Games.Select(g => g.Game));
        if (game is null) throw new UserErrorException($"{runDir} is a multi-game run ({names}); choose the output to evaluate with {Key("game")}");
        int index = summary.Games.ToList().FindIndex(g => string.Equals(g.Game, game, StringComparison.OrdinalIgnoreCase));
        return index >= 0 ? index : throw new UserErrorException($"{Key("game")} '{game}' is not a game of {runDir}; its games are {names}");
    }

    /// <summary>−1, after checking that no game was named for a policy that is not a multi-game run.</summary>
    public static int NoGame(string? game) => game is null ? -1
        : throw new UserErrorException($"{Key("game")} '{game}' needs {Key("policy")} to be a multi-game distillation run; leave it out for this policy");

    /// <summary>
    /// The policy of game <paramref name="game"/> of a run (<see cref="MultiGameTrainer.PolicyOf"/>; −1: the
    /// single-game run's <c>student.onnx</c>).
    /// </summary>
    public static string PolicyFile(string runDir, int game) => game < 0
        ? Path.Combine(runDir, DistillTrainer.OnnxFile)
        : MultiGameTrainer.PolicyOf(runDir, Summary(runDir)!.Games[game].Game);
}

/// <summary>What <see cref="MultiGameSuite"/> scores.</summary>
public sealed record MultiGameSuiteOptions
{
    /// <summary>The multi-game run (<c>policy</c>).</summary>
    public string Run { get; init; } = "";

    /// <summary>Teacher .onnx of a game, trained or held out (<c>teachers</c>, GAME → file): % of teacher, and its protocol.</summary>
    public IReadOnlyDictionary<string, string> Teachers { get; init; } = new Dictionary<string, string>();

    /// <summary>Held-out games (<c>held_out</c>, GAME → environment id), played zero-shot with the shared head.</summary>
    public IReadOnlyDictionary<string, string> HeldOut { get; init; } = new Dictionary<string, string>();

    /// <summary>Labelled datasets per game (<c>suite_data</c>, GAME → source): held-out KL, agreement, gradient error.</summary>
    public IReadOnlyDictionary<string, string> Data { get; init; } = new Dictionary<string, string>();

    /// <summary>Episodes per game.</summary>
    public int Episodes { get; init; } = 30;

    /// <summary>Evaluation protocol preset.</summary>
    public EvaluationPreset Preset { get; init; } = EvaluationPreset.Named("default");

    /// <summary>Episodes start from seed <see cref="EvaluationProtocol.SeedBase"/> + this.</summary>
    public long SeedOffset { get; init; }

    /// <summary>Device of the differentiable student.</summary>
    public Device Device { get; init; } = CPU;
}

/// <summary>One game's row of a multi-game suite.</summary>
/// <param name="Game">Game name.</param>
/// <param name="Env">Environment played.</param>
/// <param name="Split"><c>trained</c> or <c>held-out</c> (zero-shot).</param>
/// <param name="Result">Returns, teacher returns, % of teacher and held-out metrics of the game.</param>
public sealed record MultiGameSuiteRow(string Game, string Env, string Split, EvalJobResult Result);

/// <summary>
/// Scores a multi-game student on a list of games in one call: every game it was trained on (its own head) and held-out
/// games played zero-shot (the shared head through the gather of the game's actions, which must lie in the head's set), each through
/// <see cref="EvalJob"/> under one protocol and seeds. Every check comes before the first episode.
/// </summary>
public static class MultiGameSuite
{
    /// <summary>Runs the suite.</summary>
    public static IReadOnlyList<MultiGameSuiteRow> Run(MultiGameSuiteOptions o, Action<string>? warn = null)
    {
        var summary = MultiGameRuns.Summary(o.Run)
            ?? throw new UserErrorException($"{Key("policy")} {o.Run}: not a finished multi-game distillation run (its summary.json lists no games)");
        var trained = summary.Games;
        bool Trained(string game) => trained.Any(g => string.Equals(g.Game, game, StringComparison.OrdinalIgnoreCase));
        foreach (var (game, env) in o.HeldOut)
        {
            ZeroShotPolicy.CheckHeldOut("held_out", game, trained.Select(g => g.Game), o.Run);
            using (ZeroShotPolicy.Open(o.Run, env, CPU)) { } // shared head, actions a subset of the head's, no adapters: before any episode
        }
        foreach (string game in o.Teachers.Keys.Concat(o.Data.Keys))
            if (!Trained(game) && !o.HeldOut.ContainsKey(game))
                throw new UserErrorException($"game '{game}' is neither a training game of {o.Run} ({string.Join(", ", trained.Select(g => g.Game))}) nor in {Key("held_out")}");

        var rows = new List<MultiGameSuiteRow>();
        EvalJobResult Eval(string game, string env, string? policyGame) => EvalJob.Run(new EvalJobOptions
        {
            Policy = o.Run,
            Game = policyGame,
            ZeroShot = policyGame is null,
            Env = env,
            Episodes = o.Episodes,
            Teacher = o.Teachers.GetValueOrDefault(game),
            Data = o.Data.GetValueOrDefault(game),
            Preset = o.Preset,
            SeedOffset = o.SeedOffset,
            Device = o.Device,
        }, warn);
        foreach (var g in trained) rows.Add(new MultiGameSuiteRow(g.Game, g.Env, "trained", Eval(g.Game, g.Env, g.Game)));
        foreach (var (game, env) in o.HeldOut) rows.Add(new MultiGameSuiteRow(game, env, "held-out", Eval(game, env, null)));
        return rows;
    }
}
