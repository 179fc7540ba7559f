using SobolevRL.Config;

namespace SobolevRL.Teachers.Training;

/// <summary>
/// The settings PPO (<see cref="PpoOptions"/>) and DQN (<see cref="DqnOptions"/>) teacher training share (YAML via
/// <see cref="ConfigLoader"/>; snake_case keys) and their checks. Each algorithm's record adds its own keys and gives the
/// defaults of the shared keys whose defaults differ between the algorithms.
/// </summary>
public abstract record TeacherTrainingOptions : IValidatable
{
    // The defaults that differ by algorithm are constructor arguments, so an algorithm's record cannot leave one out.
    // Private protected: only the two algorithms' records derive from this one.
    private protected TeacherTrainingOptions(int numEnvs, double learningRate, double adamEpsilon, double maxGradNorm)
    {
        NumEnvs = numEnvs;
        LearningRate = learningRate;
        AdamEpsilon = adamEpsilon;
        MaxGradNorm = maxGradNorm;
    }

    /// <summary>Environment id, e.g. <c>MinAtar/Breakout-v1</c>.</summary>
    public string Env { get; init; } = "MinAtar/Breakout-v1";

    /// <summary>Environment options of the training envs (<c>key=value</c>, e.g. <c>sticky_action_prob=0.1</c>).</summary>
    public List<string> EnvOptions { get; init; } = [];

    /// <summary>Total environment frames (steps summed over all envs) to train for.</summary>
    public long Frames { get; init; } = 5_000_000;

    /// <summary>Number of parallel environments (DQN's feed its replay buffer).</summary>
    public int NumEnvs { get; init; }

    /// <summary>Adam learning rate (at the start when PPO anneals it).</summary>
    public double LearningRate { get; init; }

    /// <summary>Adam epsilon.</summary>
    public double AdamEpsilon { get; init; }

    /// <summary>Discount γ.</summary>
    public double Gamma { get; init; } = 0.99;

    /// <summary>Global gradient-norm clip.</summary>
    public double MaxGradNorm { get; init; }

    /// <summary>Network: <c>auto</c> (by observation shape), <c>minatar</c> or <c>nature</c> (see <see cref="TeacherNetwork"/>).</summary>
    public string Network { get; init; } = "auto";

    /// <summary>Channels of the MinAtar CNN's convolution.</summary>
    public int ConvChannels { get; init; } = 16;

    /// <summary>Width of the MinAtar CNN's hidden layer.</summary>
    public int Hidden { get; init; } = 128;

    /// <summary>Seed of weights, environments and the algorithm's sampling (PPO: actions and minibatch order; DQN: exploration and replay).</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Evaluation protocol of the final policy.</summary>
    public EvaluationOptions Evaluation { get; init; } = new();

    /// <summary>True for an <c>ALE/…</c> env id, which trains with the algorithm's Atari recipe (<see cref="PpoOptions.WithAtariRecipe"/>, <see cref="DqnOptions.WithAtariRecipe"/>).</summary>
    public static bool IsAtari(string env) => env.StartsWith("ALE/", StringComparison.Ordinal);

    /// <summary>
    /// A copy (of the algorithm's record) with what both Atari recipes set alike (<see cref="AtariRecipe"/>): episodic life
    /// and reward clipping in the training envs, the v5 evaluation protocol.
    /// </summary>
    private protected TeacherTrainingOptions WithAtariEnvironments() =>
        this with { EnvOptions = AtariRecipe.TrainingEnvOptions(EnvOptions), Evaluation = AtariRecipe.Evaluation(Evaluation) };

    /// <inheritdoc />
    public void Validate(string path)
    {
        string p = path.Length == 0 ? "" : path + ".";
        if (string.IsNullOrWhiteSpace(Env)) throw new UserErrorException($"config {p}env: give an environment id, e.g. MinAtar/Breakout-v1");
        Check.Positive(Frames, p + "frames");
        Check.InRange(NumEnvs, 1, 4096, p + "num_envs");
        Check.Positive(LearningRate, p + "learning_rate");
        Check.Positive(AdamEpsilon, p + "adam_epsilon");
        Check.InRange(Gamma, 0, 1, p + "gamma");
        Check.Positive(MaxGradNorm, p + "max_grad_norm");
        Check.OneOf(Network, [.. TeacherNetwork.Kinds], p + "network");
        Check.InRange(ConvChannels, 1, 4096, p + "conv_channels");
        Check.InRange(Hidden, 1, 1 << 16, p + "hidden");
        Check.InRange(Seed, 0, uint.MaxValue, p + "seed");
        // The algorithm's checks come after the shared ones: some of its limits are computed from num_envs.
        ValidateAlgorithmSettings(p);
        Evaluation.Validate(p + "evaluation");
    }

    /// <summary>
    /// Checks the algorithm's own keys (the shared ones are already checked). <paramref name="prefix"/> goes before each
    /// key name in an error: empty, or the options' path ending in a dot.
    /// </summary>
    private protected abstract void ValidateAlgorithmSettings(string prefix);
}

/// <summary>How the trained policy is evaluated for its model card.</summary>
public sealed record EvaluationOptions : IValidatable
{
    /// <summary>Episodes per acting mode (0 skips the evaluation).</summary>
    public int Episodes { get; init; } = 100;

    /// <summary>Sticky-action probability of the evaluation envs.</summary>
    public double StickyActionProb { get; init; } = 0.1;

    /// <summary>Cut an evaluation episode after this many steps (counted as truncated; 0 = never).</summary>
    public int MaxEpisodeSteps { get; init; } = 10_000;

    /// <summary>Seed of the first evaluation episode (episode k uses seed + k).</summary>
    public long Seed { get; init; } = 1_000_000;

    /// <inheritdoc />
    public void Validate(string path)
    {
        Check.InRange(Episodes, 0, 1_000_000, path + ".episodes");
        Check.InRange(StickyActionProb, 0, 1, path + ".sticky_action_prob");
        Check.NonNegative(MaxEpisodeSteps, path + ".max_episode_steps");
        Check.InRange(Seed, 0, uint.MaxValue - 1_000_000, path + ".seed");
    }
}
