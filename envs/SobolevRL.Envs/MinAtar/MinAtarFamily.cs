using System.Globalization;
using SobolevRL.Envs.Core;
using SobolevRL.Envs.MinAtar.Games;

namespace SobolevRL.Envs.MinAtar;

/// <summary>
/// The <c>MinAtar/&lt;Game&gt;-v0</c> (all 6 actions) and <c>MinAtar/&lt;Game&gt;-v1</c> (minimal action set) ids, as
/// registered by MinAtar v1.0.15's Gymnasium wrapper. Options: <c>sticky_action_prob</c>, <c>ramping</c>,
/// <c>max_episode_steps</c>.
/// </summary>
public sealed class MinAtarFamily : IEnvFamily
{
    /// <summary>The id prefix, <c>MinAtar/</c>.</summary>
    public const string IdPrefix = "MinAtar/";

    /// <summary>Option: probability of repeating the previous action.</summary>
    public const string StickyActionProbOption = "sticky_action_prob";

    /// <summary>Option: difficulty ramping on or off.</summary>
    public const string RampingOption = "ramping";

    /// <summary>Option: truncate episodes after this many steps (0 = never).</summary>
    public const string MaxEpisodeStepsOption = "max_episode_steps";

    private const double DefaultStickyActionProb = 0.1;

    // One line per game: the name used in ids and how to build it.
    private static readonly (string Name, MinAtarGameFactory Create)[] Games =
    [
        ("Asterix", (rng, ramping) => new AsterixGame(rng, ramping)),
        ("Breakout", (rng, ramping) => new BreakoutGame(rng, ramping)),
        ("Freeway", (rng, ramping) => new FreewayGame(rng, ramping)),
        ("Seaquest", (rng, ramping) => new SeaquestGame(rng, ramping)),
        ("SpaceInvaders", (rng, ramping) => new SpaceInvadersGame(rng, ramping)),
    ];

    /// <summary>Names of the games, as used in ids.</summary>
    public static IEnumerable<string> GameNames => Games.Select(g => g.Name);

    /// <inheritdoc />
    public string Prefix => IdPrefix;

    /// <inheritdoc />
    public IEnumerable<(string Id, string Description)> Ids =>
        Games.SelectMany(g => new[]
        {
            ($"{IdPrefix}{g.Name}-v0", $"MinAtar {g.Name}, 10x10 grid, all 6 actions, sticky actions 0.1, no wrappers"),
            ($"{IdPrefix}{g.Name}-v1", $"MinAtar {g.Name}, 10x10 grid, minimal action set, sticky actions 0.1, no wrappers"),
        });

    /// <inheritdoc />
    public IEnumerable<(string Name, string Default, string Meaning)> Options =>
    [
        (StickyActionProbOption, DefaultStickyActionProb.ToString(CultureInfo.InvariantCulture), "probability in [0, 1] of repeating the previous action instead of the given one"),
        (RampingOption, "true", "difficulty ramping (Asterix; games without ramping ignore it)"),
        (MaxEpisodeStepsOption, "0", "truncate episodes after this many steps; 0 = no limit (the reference has none)"),
    ];

    /// <inheritdoc />
    public IEnv Make(string id, EnvOptions options)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(options);
        var (create, minimal) = Resolve(id);
        double sticky = options.GetDouble(StickyActionProbOption, DefaultStickyActionProb, 0, 1);
        bool ramping = options.GetBool(RampingOption, true);
        int maxSteps = options.GetInt(MaxEpisodeStepsOption, 0, 0);
        options.ThrowIfUnused(id, Options.Select(o => o.Name));
        return new MinAtarEnv(create, minimal, sticky, ramping, maxSteps);
    }

    private static (MinAtarGameFactory Create, bool Minimal) Resolve(string id)
    {
        if (id.StartsWith(IdPrefix, StringComparison.Ordinal))
        {
            string rest = id[IdPrefix.Length..];
            bool v0 = rest.EndsWith("-v0", StringComparison.Ordinal);
            bool v1 = rest.EndsWith("-v1", StringComparison.Ordinal);
            if (v0 || v1)
            {
                string name = rest[..^3];
                foreach (var game in Games)
                    if (game.Name == name) return (game.Create, v1);
            }
        }
        string known = string.Join(", ", Games.Select(g => $"{IdPrefix}{g.Name}-v0/-v1"));
        throw new EnvException($"unknown MinAtar id '{id}'; known ids: {known}");
    }
}
