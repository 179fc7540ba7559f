using SobolevRL.Config;

namespace SobolevRL.Teachers.Training;

/// <summary>
/// Settings of DQN teacher training (Mnih et al. 2015: replay, target network, ε-greedy schedule, Huber loss), as
/// <c>teacher train --algo dqn</c> reads them (YAML, snake_case keys). Defaults are the MinAtar DQN settings of Young &amp;
/// Tian (2019) with Adam; <see cref="WithAtariRecipe"/> gives CleanRL's <c>dqn_atari</c> settings for ALE ids.
/// </summary>
public sealed record DqnOptions : TeacherTrainingOptions
{
    /// <summary>Defaults: one env, Adam 2.5e-4 with ε 1e-8, gradient-norm clip 10; the other shared keys as in <see cref="TeacherTrainingOptions"/>.</summary>
    public DqnOptions()
        : base(numEnvs: 1, learningRate: 2.5e-4, adamEpsilon: 1e-8, maxGradNorm: 10.0)
    {
    }

    /// <summary>Transitions the replay buffer holds (observations are stored once; the next one is the following row).</summary>
    public int BufferSize { get; init; } = 100_000;

    /// <summary>Transitions per gradient step.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Frames acted before the first gradient step (random ε = 1 play fills the buffer).</summary>
    public long LearningStarts { get; init; } = 5_000;

    /// <summary>One gradient step every this many frames.</summary>
    public int TrainEvery { get; init; } = 1;

    /// <summary>Copy the online network into the target network every this many frames.</summary>
    public long TargetUpdateEvery { get; init; } = 1_000;

    /// <summary>ε at the start of the schedule.</summary>
    public double EpsilonStart { get; init; } = 1.0;

    /// <summary>ε after <see cref="EpsilonFrames"/> and from then on.</summary>
    public double EpsilonEnd { get; init; } = 0.1;

    /// <summary>Frames over which ε falls linearly from start to end.</summary>
    public long EpsilonFrames { get; init; } = 100_000;

    /// <summary>δ of the Huber loss on the TD error (errors beyond δ give a constant gradient, Nature DQN's error clipping).</summary>
    public double HuberDelta { get; init; } = 1.0;

    /// <summary>
    /// Save a checkpoint (networks, Adam, the replay memory: up to 2.8 GB for Atari's 100,000 transitions) every this many
    /// frames; one is also saved at a stop and at the end. 0: only at a stop and at the end.
    /// </summary>
    public long CheckpointEvery { get; init; } = 500_000;

    /// <summary>Write a metrics row every this many frames.</summary>
    public long LogEvery { get; init; } = 10_000;

    /// <summary>
    /// CleanRL's <c>dqn_atari</c> settings (after Mnih et al. 2015) for every key still at its MinAtar default: Adam 1e-4,
    /// learning from 80,000 frames, a gradient step every 4 frames, target copy every 1,000 frames, ε 1 → 0.01 over the
    /// first 10% of 10M frames; episodic life and reward clipping in the training envs only; evaluation as in
    /// <see cref="PpoOptions.WithAtariRecipe"/>. The replay buffer stays at 100,000 transitions (2.8 GB of 4×84×84 frames;
    /// the paper's 1M needs 28 GB with this layout), a departure the card's config records.
    /// </summary>
    public DqnOptions WithAtariRecipe()
    {
        var d = new DqnOptions();
        return (DqnOptions)WithAtariEnvironments() with
        {
            Frames = Frames == d.Frames ? 10_000_000 : Frames,
            LearningRate = LearningRate == d.LearningRate ? 1e-4 : LearningRate,
            LearningStarts = LearningStarts == d.LearningStarts ? 80_000 : LearningStarts,
            TrainEvery = TrainEvery == d.TrainEvery ? 4 : TrainEvery,
            EpsilonEnd = EpsilonEnd == d.EpsilonEnd ? 0.01 : EpsilonEnd,
            EpsilonFrames = EpsilonFrames == d.EpsilonFrames ? 1_000_000 : EpsilonFrames,
        };
    }

    /// <summary>ε after <paramref name="frames"/> frames.</summary>
    public double EpsilonAt(long frames) =>
        frames >= EpsilonFrames ? EpsilonEnd : EpsilonStart + (EpsilonEnd - EpsilonStart) * frames / EpsilonFrames;

    /// <inheritdoc />
    private protected override void ValidateAlgorithmSettings(string prefix)
    {
        Check.InRange(BufferSize, 2 * NumEnvs, int.MaxValue, prefix + "buffer_size");
        Check.InRange(BatchSize, 1, 1 << 16, prefix + "batch_size");
        Check.NonNegative(LearningStarts, prefix + "learning_starts");
        Check.InRange(TrainEvery, 1, int.MaxValue, prefix + "train_every");
        Check.InRange(TargetUpdateEvery, 1, long.MaxValue, prefix + "target_update_every");
        Check.InRange(EpsilonStart, 0, 1, prefix + "epsilon_start");
        Check.InRange(EpsilonEnd, 0, 1, prefix + "epsilon_end");
        Check.InRange(EpsilonFrames, 1, long.MaxValue, prefix + "epsilon_frames");
        Check.Positive(HuberDelta, prefix + "huber_delta");
        Check.InRange(LogEvery, 1, long.MaxValue, prefix + "log_every");
        Check.NonNegative(CheckpointEvery, prefix + "checkpoint_every");
    }
}
