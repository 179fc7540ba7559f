using SobolevRL.Config;

namespace SobolevRL.Teachers.Training;

/// <summary>
/// Settings of PPO teacher training (YAML via <see cref="ConfigLoader"/>; snake_case keys). Defaults are the
/// MinAtar settings this project's shipped teachers were trained with.
/// </summary>
public sealed record PpoOptions : TeacherTrainingOptions
{
    /// <summary>Defaults: 16 envs, Adam 5e-4 with ε 1e-5, gradient-norm clip 0.5; the other shared keys as in <see cref="TeacherTrainingOptions"/>.</summary>
    public PpoOptions()
        : base(numEnvs: 16, learningRate: 5e-4, adamEpsilon: 1e-5, maxGradNorm: 0.5)
    {
    }

    /// <summary>Worker threads stepping the environments (1: step them on the training thread).</summary>
    public int EnvThreads { get; init; } = 1;

    /// <summary>Steps per environment in one rollout; a rollout holds <c>num_envs × rollout_steps</c> frames.</summary>
    public int RolloutSteps { get; init; } = 128;

    /// <summary>Passes over each rollout.</summary>
    public int Epochs { get; init; } = 4;

    /// <summary>Minibatches per pass (the rollout is split into this many shuffled parts).</summary>
    public int Minibatches { get; init; } = 4;

    /// <summary>Anneal the learning rate linearly to 0 over the run.</summary>
    public bool AnnealLearningRate { get; init; } = true;

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

    /// <summary>Normalise advantages per minibatch (zero mean, unit std).</summary>
    public bool NormalizeAdvantages { get; init; } = true;

    /// <summary>Stop an update's epochs early when the approximate KL exceeds this (0: never).</summary>
    public double TargetKl { get; init; }

    /// <summary>Save a checkpoint every this many updates (and at the end).</summary>
    public int CheckpointEvery { get; init; } = 20;

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
        return (PpoOptions)WithAtariEnvironments() with
        {
            Frames = Frames == d.Frames ? 10_000_000 : Frames,
            NumEnvs = NumEnvs == d.NumEnvs ? 8 : NumEnvs,
            LearningRate = LearningRate == d.LearningRate ? 2.5e-4 : LearningRate,
            ClipCoef = ClipCoef == d.ClipCoef ? 0.1 : ClipCoef,
        };
    }

    /// <summary>Frames in one rollout.</summary>
    public int RolloutFrames() => NumEnvs * RolloutSteps;

    /// <summary>Number of updates the run makes (frames rounded up to whole rollouts).</summary>
    public int Updates() => (int)((Frames + RolloutFrames() - 1) / RolloutFrames());

    /// <inheritdoc />
    private protected override void ValidateAlgorithmSettings(string prefix)
    {
        Check.InRange(EnvThreads, 1, 256, prefix + "env_threads");
        Check.InRange(RolloutSteps, 1, 1 << 16, prefix + "rollout_steps");
        Check.InRange(Epochs, 1, 1000, prefix + "epochs");
        Check.InRange(Minibatches, 1, RolloutFrames(), prefix + "minibatches");
        Check.InRange(GaeLambda, 0, 1, prefix + "gae_lambda");
        Check.Positive(ClipCoef, prefix + "clip_coef");
        Check.NonNegative(ValueCoef, prefix + "value_coef");
        Check.NonNegative(EntropyCoef, prefix + "entropy_coef");
        Check.NonNegative(TargetKl, prefix + "target_kl");
        Check.InRange(CheckpointEvery, 1, int.MaxValue, prefix + "checkpoint_every");
        if ((long)Updates() * RolloutFrames() > 1L << 40) throw new UserErrorException($"config {prefix}frames: {Frames} is too many");
    }
}
