using System.Collections.Frozen;
using SobolevRL.Envs.Ale;

namespace SobolevRL.Evaluation.Aggregates;

/// <summary>The random-agent and human scores of one Atari game.</summary>
/// <param name="Random">Mean return of a uniformly random policy.</param>
/// <param name="Human">Mean return of a professional human game tester.</param>
public sealed record AtariReference(double Random, double Human)
{
    /// <summary>Human-normalised score: 0 at the random agent's score, 1 at the human's, (score − random) / (human − random).</summary>
    public double Normalize(double score) => (score - Random) / (Human - Random);
}

/// <summary>The two returns a game's scores are normalised between: (return − Low) / (High − Low).</summary>
/// <param name="Kind"><c>human</c> (Atari random and human scores, <see cref="AtariReferenceScores.ForEnv"/>) or <c>teacher</c> (a uniformly random policy's and the teacher's returns, measured under the same protocol).</param>
/// <param name="Low">Return that normalises to 0 (random play).</param>
/// <param name="High">Return that normalises to 1 (human or teacher).</param>
public sealed record GameReference(string Kind, double Low, double High)
{
    /// <summary>The normalised score of <paramref name="score"/>.</summary>
    public double Normalize(double score) => (score - Low) / (High - Low);
}

/// <summary>
/// Random and human reference scores of the Atari-57 games, keyed by ALE ROM id, as tabulated by Badia et al. 2020,
/// "Agent57: Outperforming the Atari Human Benchmark" (ICML), appendix tables, columns "Random" and "Human"; the
/// figures agree with the table of DeepMind's DQN Zoo (<c>dqn_zoo/atari_data.py</c>), against which they were checked.
/// Measured with up to 30 no-op starts and a 108,000-frame episode cap. Mnih et al. 2015 ("Human-level control through
/// deep reinforcement learning", Nature, Extended Data Table 2) has the same random column for its 49 games but a
/// different human column for some of them (another human tester); the Badia et al. column is the one the later
/// literature and Agarwal et al. 2021 normalise by, so it is the one used here. Games ALE supports outside this table
/// (e.g. Tetris) have no human reference: their scores can be reported raw or normalised by a measured random score.
/// </summary>
public static class AtariReferenceScores
{
    /// <summary>Reference scores by ROM id (<c>space_invaders</c>, <c>pong</c>, ...).</summary>
    public static FrozenDictionary<string, AtariReference> ByRomId { get; } = new Dictionary<string, AtariReference>(StringComparer.Ordinal)
    {
        ["alien"] = new(227.8, 7127.7),
        ["amidar"] = new(5.8, 1719.5),
        ["assault"] = new(222.4, 742.0),
        ["asterix"] = new(210.0, 8503.3),
        ["asteroids"] = new(719.1, 47388.7),
        ["atlantis"] = new(12850.0, 29028.1),
        ["bank_heist"] = new(14.2, 753.1),
        ["battle_zone"] = new(2360.0, 37187.5),
        ["beam_rider"] = new(363.9, 16926.5),
        ["berzerk"] = new(123.7, 2630.4),
        ["bowling"] = new(23.1, 160.7),
        ["boxing"] = new(0.1, 12.1),
        ["breakout"] = new(1.7, 30.5),
        ["centipede"] = new(2090.9, 12017.0),
        ["chopper_command"] = new(811.0, 7387.8),
        ["crazy_climber"] = new(10780.5, 35829.4),
        ["defender"] = new(2874.5, 18688.9),
        ["demon_attack"] = new(152.1, 1971.0),
        ["double_dunk"] = new(-18.6, -16.4),
        ["enduro"] = new(0.0, 860.5),
        ["fishing_derby"] = new(-91.7, -38.7),
        ["freeway"] = new(0.0, 29.6),
        ["frostbite"] = new(65.2, 4334.7),
        ["gopher"] = new(257.6, 2412.5),
        ["gravitar"] = new(173.0, 3351.4),
        ["hero"] = new(1027.0, 30826.4),
        ["ice_hockey"] = new(-11.2, 0.9),
        ["jamesbond"] = new(29.0, 302.8),
        ["kangaroo"] = new(52.0, 3035.0),
        ["krull"] = new(1598.0, 2665.5),
        ["kung_fu_master"] = new(258.5, 22736.3),
        ["montezuma_revenge"] = new(0.0, 4753.3),
        ["ms_pacman"] = new(307.3, 6951.6),
        ["name_this_game"] = new(2292.3, 8049.0),
        ["phoenix"] = new(761.4, 7242.6),
        ["pitfall"] = new(-229.4, 6463.7),
        ["pong"] = new(-20.7, 14.6),
        ["private_eye"] = new(24.9, 69571.3),
        ["qbert"] = new(163.9, 13455.0),
        ["riverraid"] = new(1338.5, 17118.0),
        ["road_runner"] = new(11.5, 7845.0),
        ["robotank"] = new(2.2, 11.9),
        ["seaquest"] = new(68.4, 42054.7),
        ["skiing"] = new(-17098.1, -4336.9),
        ["solaris"] = new(1236.3, 12326.7),
        ["space_invaders"] = new(148.0, 1668.7),
        ["star_gunner"] = new(664.0, 10250.0),
        ["surround"] = new(-10.0, 6.5),
        ["tennis"] = new(-23.8, -8.3),
        ["time_pilot"] = new(3568.0, 5229.2),
        ["tutankham"] = new(11.4, 167.6),
        ["up_n_down"] = new(533.4, 11693.2),
        ["venture"] = new(0.0, 1187.5),
        ["video_pinball"] = new(16256.9, 17667.9),
        ["wizard_of_wor"] = new(563.5, 4756.5),
        ["yars_revenge"] = new(3092.9, 54576.9),
        ["zaxxon"] = new(32.5, 9173.3),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The reference of <paramref name="romId"/>, or null when the published tables have none.</summary>
    public static AtariReference? Find(string romId) => ByRomId.GetValueOrDefault(romId);

    /// <summary>The human-normalisation reference of an <c>ALE/</c> id with published scores, else null.</summary>
    public static GameReference? ForEnv(string env)
    {
        if (!EvaluationPreset.IsAle(env)) return null;
        string romId;
        try { romId = AleFamily.RomIdOf(env); }
        catch (SobolevRL.Envs.Core.EnvException) { return null; }
        return Find(romId) is { } r ? new GameReference("human", r.Random, r.Human) : null;
    }
}
