using System.Globalization;
using SobolevRL.Config;
using SobolevRL.Replay;
using static SobolevRL.UserErrorException;

namespace SobolevRL.Distillation;

/// <summary>How a multi-game student outputs its policies.</summary>
public enum HeadLayout
{
    /// <summary>One output head per game on the shared torso (Rusu et al. 2016, "Policy Distillation").</summary>
    Separate,

    /// <summary>One head for every game: the games must share their action set (MinAtar <c>-v0</c> ids: all 6 actions).</summary>
    Shared,
}

/// <summary>What sits between a game's observations and the shared torso.</summary>
public enum InputAdapter
{
    /// <summary>Nothing: every game's observations must have the torso's shape.</summary>
    None,

    /// <summary>
    /// A per-game 1×1 convolution from the game's channels to the torso's (the most of any game), so games whose
    /// observations differ in channels only (MinAtar: 4, 6, 7, 10) share one torso.
    /// </summary>
    Conv1x1,
}

/// <summary>Settings of multi-game distillation (<c>games.*</c>; used when <c>data</c> names several games).</summary>
public sealed record MultiGameOptions : IValidatable
{
    /// <summary>Share of each game in every batch, <c>GAME:W,GAME:W,…</c> (empty: equal shares); games not named weigh 1.</summary>
    public string Weights { get; init; } = "";

    /// <summary>One head per game (<c>separate</c>) or one head for all (<c>shared</c>).</summary>
    public HeadLayout Head { get; init; } = HeadLayout.Separate;

    /// <summary>Per-game input adapter in front of the shared torso (<c>games.adapter</c>: <c>none</c> or <c>conv1x1</c>).</summary>
    public InputAdapter Adapter { get; init; } = InputAdapter.None;

    /// <summary>
    /// A finished multi-game run whose student starts this one (<c>games.init</c>; empty: fresh weights): its torso, and
    /// the head and adapter of every game of the same name and shape; other games' heads and adapters are drawn fresh
    /// (few-shot transfer to a held-out game). The torso keeps that run's input shape.
    /// </summary>
    public string Init { get; init; } = "";

    /// <summary>
    /// Games the run does not train on, scored by the concurrent snapshot evaluator (<c>games.held_out</c>,
    /// <c>GAME=ENV,GAME=ENV,…</c>; empty: none): at every snapshot each is played zero-shot through the shared head's gather
    /// of its actions (<see cref="ZeroShotPolicy"/>), rows to <c>eval-held-out-GAME.csv</c>. Needs <see cref="Head"/> shared,
    /// no adapters, and each environment's actions in the head's set and observations of the torso's shape.
    /// </summary>
    public string HeldOut { get; init; } = "";

    /// <summary>
    /// Labelled datasets of held-out games (<c>games.held_out_data</c>, <c>GAME=SOURCE,…</c>, each game one of
    /// <see cref="HeldOut"/>; optional per game): held-out KL, agreement and gradient error at every snapshot.
    /// </summary>
    public string HeldOutData { get; init; } = "";

    /// <summary>The games of <see cref="HeldOut"/> (the source of each is its environment id).</summary>
    public IReadOnlyList<GameSource> HeldOutGames() => HeldOut.Trim().Length == 0 ? []
        : MultiGameDataset.Parse(HeldOut, "games.held_out", "environment id", "asterix=MinAtar/Asterix-v1");

    /// <summary>The dataset source of held-out game <paramref name="game"/> in <see cref="HeldOutData"/>, or null.</summary>
    public string? HeldOutDataOf(string game) => HeldOutDataSources().FirstOrDefault(g => string.Equals(g.Game, game, StringComparison.OrdinalIgnoreCase))?.Source;

    private IReadOnlyList<GameSource> HeldOutDataSources() => HeldOutData.Trim().Length == 0 ? []
        : MultiGameDataset.Parse(HeldOutData, "games.held_out_data", "dataset", "asterix=DIR or asterix=smoke:MinAtar/Asterix-v1,600,full");

    /// <summary>The weight of every game of <paramref name="games"/>, in their order.</summary>
    public double[] WeightsOf(IReadOnlyList<string> games)
    {
        var given = ParseWeights("games.weights");
        foreach (string name in given.Keys)
            if (!games.Any(g => string.Equals(g, name, StringComparison.OrdinalIgnoreCase)))
                throw new UserErrorException($"{Key("games.weights")}: '{name}' is not one of the games ({string.Join(", ", games)}); name the games of {Key("data")}");
        return [.. games.Select(g => given.FirstOrDefault(p => string.Equals(p.Key, g, StringComparison.OrdinalIgnoreCase)) is { Key: not null } p ? p.Value : 1.0)];
    }

    private Dictionary<string, double> ParseWeights(string path)
    {
        var weights = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        foreach (string entry in Weights.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = entry.Split(':', StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double w) || !(w > 0) || double.IsInfinity(w))
                throw new UserErrorException($"config {path}: '{entry}' is not GAME:WEIGHT with a positive weight (e.g. breakout:2,spaceinvaders:1)");
            if (!weights.TryAdd(parts[0], w)) throw new UserErrorException($"config {path}: game '{parts[0]}' is weighted twice");
        }
        return weights;
    }

    /// <inheritdoc />
    public void Validate(string path)
    {
        ParseWeights(path + ".weights");
        var heldOut = HeldOutGames();
        foreach (var d in HeldOutDataSources())
            if (!heldOut.Any(g => string.Equals(g.Game, d.Game, StringComparison.OrdinalIgnoreCase)))
                throw new UserErrorException($"{Key("games.held_out_data")}: '{d.Game}' is not a game of {Key("games.held_out")} ({(heldOut.Count == 0 ? "empty" : string.Join(", ", heldOut.Select(g => g.Game)))}); name it there with its environment id");
    }
}
