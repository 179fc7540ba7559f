using SobolevRL.Envs.Ale;

namespace SobolevRL.Evaluation;

/// <summary>
/// A named evaluation protocol: the Atari environment settings and the action noise under which evaluation episodes
/// are played. Its name is recorded with every result it produces. Only <c>ALE/</c> ids take the Atari settings;
/// other environments keep their own protocol (MinAtar: sticky actions 0.1) and take only the ε.
/// </summary>
/// <param name="Name">Name used on the command line and in records.</param>
/// <param name="Summary">One-line description of the settings.</param>
/// <param name="Source">Where the protocol is defined.</param>
/// <param name="AleOptions">ALE environment options the preset sets (an empty set keeps the environment's defaults).</param>
/// <param name="Epsilon">Probability of a uniformly random action instead of the policy's on each step (ε-greedy evaluation).</param>
public sealed record EvaluationPreset(string Name, string Summary, string Source, IReadOnlyDictionary<string, string> AleOptions, double Epsilon)
{
    /// <summary>The project's default: the ALE v5 environment defaults (sticky actions 0.25, 1–30 no-op frames after a reset, 108,000-frame cap), greedy actions.</summary>
    public static EvaluationPreset Default { get; } = new("default",
        "ALE v5 defaults: sticky actions 0.25, 1-30 no-op frames after reset, 108,000-frame cap; greedy",
        "the environment defaults (see envs/SobolevRL.Envs/Ale/README.md)", new Dictionary<string, string>(), 0);

    /// <summary>
    /// Machado et al. 2018, "Revisiting the Arcade Learning Environment: Evaluation Protocols and Open Problems for
    /// General Agents" (JAIR 61): stochasticity from sticky actions (ς = 0.25) instead of no-op starts, whole episodes
    /// up to 108,000 frames (30 minutes of play); Gymnasium's v5 ids follow it.
    /// </summary>
    public static EvaluationPreset Machado2018 { get; } = new("machado2018",
        "sticky actions 0.25, no no-op starts, full episodes up to 108,000 frames; greedy",
        "Machado et al. 2018, Revisiting the Arcade Learning Environment (JAIR 61), section 5",
        new Dictionary<string, string>
        {
            [Envs.Ale.AleOptions.Names.RepeatActionProbability] = "0.25",
            [Envs.Ale.AleOptions.Names.NoopMax] = "0",
            [Envs.Ale.AleOptions.Names.MaxNumFramesPerEpisode] = "108000",
        }, 0);

    /// <summary>
    /// Mnih et al. 2015, "Human-level control through deep reinforcement learning" (Nature 518), Methods: deterministic
    /// emulator (no sticky actions), up to 30 no-op actions at the start of each episode, ε-greedy with ε = 0.05, episodes
    /// cut after 5 minutes of play (18,000 frames at 60 Hz).
    /// </summary>
    public static EvaluationPreset Mnih2015 { get; } = new("mnih2015",
        "no sticky actions, up to 30 no-op starts, epsilon-greedy 0.05, 18,000-frame (5-minute) cap",
        "Mnih et al. 2015, Human-level control through deep reinforcement learning (Nature 518), Methods, Evaluation procedure",
        new Dictionary<string, string>
        {
            [Envs.Ale.AleOptions.Names.RepeatActionProbability] = "0",
            [Envs.Ale.AleOptions.Names.NoopMax] = "30",
            [Envs.Ale.AleOptions.Names.MaxNumFramesPerEpisode] = "18000",
        }, 0.05);

    /// <summary>Every preset, the default first.</summary>
    public static IReadOnlyList<EvaluationPreset> All { get; } = [Default, Machado2018, Mnih2015];

    /// <summary>The preset called <paramref name="name"/>; a <see cref="UserErrorException"/> naming the presets otherwise.</summary>
    public static EvaluationPreset Named(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.Ordinal))
        ?? throw new UserErrorException($"unknown evaluation preset '{name}'; presets are {string.Join(", ", All.Select(p => p.Name))}");

    /// <summary>True for environment ids the Atari settings apply to.</summary>
    public static bool IsAle(string envId) => envId.StartsWith(AleFamily.IdPrefix, StringComparison.Ordinal);
}
