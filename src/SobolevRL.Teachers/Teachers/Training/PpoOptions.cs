using SobolevRL.Config;

namespace SobolevRL.Teachers.Training;

/// <summary>
/// Settings of PPO teacher training (YAML via <see cref="ConfigLoader"/>; snake_case keys). Defaults are the
/// MinAtar settings this project's shipped teachers were trained with.
/// </summary>
public sealed record PpoOptions : IValidatable
{
    /// <summary>Environment id, e.g. <c>MinAtar/Breakout-v1</c>.</summary>
    public string Env { get; init; } = "MinAtar/Breakout-v1";

    /// <summary>Environment options of the training envs (<c>key=value</c>, e.g. <c>sticky_action_prob=0.1</c>).</summary>
    public List<string> EnvOptions { get; init; } = [];

    /// <summary>Total environment frames (steps summed over all envs) to train for.</summary>
    public long Frames { get; init; } = 5_000_000;

    /// <summary>Number of parallel environments.</summary>
    public int NumEnvs { get; init; } = 16;

    /// <summary>Worker threads stepping the environments (1: step them on the training thread).</summary>
    public int EnvThreads { get; init; } = 1;

    /// <summary>Steps per environment in one rollout; a rollout holds <c>num_envs × rollout_steps</c> frames.</summary>
    public int RolloutSteps { get; init; } = 128;

    /// <summary>Passes over each rollout.</summary>
    public int Epochs { get; init; } = 4;

    /// <summary>Minibatches per pass (the rollout is split into this many shuffled parts).</summary>
    public int Minibatches { get; init; } = 4;

    /// <summary>Adam learning rate at the start.</summary>
    public double LearningRate { get; init; } = 5e-4;

    /// <summary>Anneal the learning rate linearly to 0 over the run.</summary>
    public bool AnnealLearningRate { get; init; } = true;

    /// <summary>Adam epsilon.</summary>
    public double AdamEpsilon { get; init; } = 1e-5;

    /// <summary>Discount γ.</summary>
    public double Gamma { get; init; } = 0.99;

    /// <summary>GAE λ.</summary>
    public double GaeLambda { get; init; } = 0.95;

    /// <summary>Clipping ε of the probability ratio.</summary>
    public double ClipCoef { get; init; } = 0.2;

    /// <summary>Clip the value loss around the old values with the same ε.</summary>
    public bool ClipValueLoss { get; init; } = true;

    /// <summary>Weight of the value loss.</summary>
    public double ValueCoef { get; init; } = 0.5;

    /// <summary>Weight of the entropy bonus.</summary>
    public double EntropyCoef { get; init; } = 0.01;

    /// <summary>Global gradient-norm clip.</summary>
    public double MaxGradNorm { get; init; } = 0.5;

    /// <summary>Normalise advantages per minibatch (zero mean, unit std).</summary>
    public bool NormalizeAdvantages { get; init; } = true;

    /// <summary>Stop an update's epochs early when the approximate KL exceeds this (0: never).</summary>
    public double TargetKl { get; init; }

    /// <summary>Network: <c>auto</c> (by observation shape), <c>minatar</c> or <c>nature</c> (see <see cref="TeacherNetwork"/>).</summary>
    public string Network { get; init; } = "auto";

    /// <summary>Channels of the MinAtar CNN's convolution.</summary>
    public int ConvChannels { get; init; } = 16;

    /// <summary>Width of the MinAtar CNN's hidden layer.</summary>
    public int Hidden { get; init; } = 128;

    /// <summary>Seed of weights, action sampling, minibatch order and environments.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Save a checkpoint every this many updates (and at the end).</summary>
    public int CheckpointEvery { get; init; } = 20;

    /// <summary>Evaluation protocol of the final policy.</summary>
    public EvaluationOptions Evaluation { get; init; } = new();

    /// <summary>True for an <c>ALE/…</c> env id, which trains with <see cref="WithAtariRecipe"/>.</summary>
    public static bool IsAtari(string env) => env.StartsWith("ALE/", StringComparison.Ordinal);

    /// <summary>
    /// The standard Atari PPO recipe (Schulman et al. 2017, Table 5; CleanRL <c>ppo_atari</c>) for every key still at its
    /// MinAtar default: 8 envs × 128 steps, 4 epochs of 4 minibatches, clip 0.1, learning rate 2.5e-4 annealed, GAE 0.95,
    /// γ 0.99, entropy 0.01, value 0.5, gradient norm 0.5, 10M frames; episodic life and reward clipping in the training
    /// envs only; the evaluation plays the v5 protocol (sticky actions 0.25, whole episodes up to ALE's 108,000-frame cap)
    /// for 10 episodes per acting mode. Keys a config file or <c>--set</c> changed keep their value.
    /// </summary>
    public PpoOptions WithAtariRecipe()
    {
        var d = new PpoOptions();
        return this with
        {
            Frames = Frames == d.Frames ? 10_000_000 : Frames,
            NumEnvs = NumEnvs == d.NumEnvs ? 8 : NumEnvs,
            LearningRate = LearningRate == d.LearningRate ? 2.5e-4 : LearningRate,
            ClipCoef = ClipCoef == d.ClipCoef ? 0.1 : ClipCoef,
            EnvOptions = AtariRecipe.TrainingEnvOptions(EnvOptions),
            Evaluation = AtariRecipe.Evaluation(Evaluation),
        };
    }

    /// <summary>Frames in one rollout.</summary>
    public int RolloutFrames() => NumEnvs * RolloutSteps;

    /// <summary>Number of updates the run makes (frames rounded up to whole rollouts).</summary>
    public int Updates() => (int)((Frames + RolloutFrames() - 1) / RolloutFrames());

    /// <inheritdoc />
    public void Validate(string path)
    {
        string p = path.Length == 0 ? "" : path + ".";
        if (string.IsNullOrWhiteSpace(Env)) throw new UserErrorException($"config {p}env: give an environment id, e.g. MinAtar/Breakout-v1");
        Check.Positive(Frames, p + "frames");
        Check.InRange(NumEnvs, 1, 4096, p + "num_envs");
        Check.InRange(EnvThreads, 1, 256, p + "env_threads");
        Check.InRange(RolloutSteps, 1, 1 << 16, p + "rollout_steps");
        Check.InRange(Epochs, 1, 1000, p + "epochs");
        Check.InRange(Minibatches, 1, RolloutFrames(), p + "minibatches");
        Check.Positive(LearningRate, p + "learning_rate");
        Check.Positive(AdamEpsilon, p + "adam_epsilon");
        Check.InRange(Gamma, 0, 1, p + "gamma");
        Check.InRange(GaeLambda, 0, 1, p + "gae_lambda");
        Check.Positive(ClipCoef, p + "clip_coef");
        Check.NonNegative(ValueCoef, p + "value_coef");
        Check.NonNegative(EntropyCoef, p + "entropy_coef");
        Check.Positive(MaxGradNorm, p + "max_grad_norm");
        Check.NonNegative(TargetKl, p + "target_kl");
        Check.OneOf(Network, [.. TeacherNetwork.Kinds], p + "network");
        Check.InRange(ConvChannels, 1, 4096, p + "conv_channels");
        Check.InRange(Hidden, 1, 1 << 16, p + "hidden");
        Check.InRange(Seed, 0, uint.MaxValue, p + "seed");
        Check.InRange(CheckpointEvery, 1, int.MaxValue, p + "checkpoint_every");
        if ((long)Updates() * RolloutFrames() > 1L << 40) throw new UserErrorException($"config {p}frames: {Frames} is too many");
        Evaluation.Validate(p + "evaluation");
    }
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
