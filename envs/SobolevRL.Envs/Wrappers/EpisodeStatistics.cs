using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Wrappers;

/// <summary>
/// Sums rewards and counts steps of each episode, and on the step that ends it (terminated or truncated) sets
/// <see cref="InfoKeys.EpisodeReturn"/> and <see cref="InfoKeys.EpisodeLength"/> in <see cref="IEnv.Info"/>.
/// Place it below wrappers that change what an episode is for the learner (episodic life, reward clipping) to
/// report whole games in raw score, and above <see cref="TimeLimit"/> so truncated episodes are reported too.
/// </summary>
public sealed class EpisodeStatistics : EnvWrapper
{
    private double _return;
    private int _length;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    public EpisodeStatistics(IEnv inner) : base(inner) { }

    /// <summary>Return accumulated so far in the current episode.</summary>
    public double CurrentReturn => _return;

    /// <summary>Steps taken so far in the current episode.</summary>
    public int CurrentLength => _length;

    /// <summary>Number of episodes that ended since this wrapper was created.</summary>
    public long CompletedEpisodes { get; private set; }

    /// <inheritdoc />
    public override void Reset(long? seed, Span<byte> observation)
    {
        Inner.Reset(seed, observation);
        _return = 0;
        _length = 0;
    }

    /// <inheritdoc />
    public override StepResult Step(int action, Span<byte> observation)
    {
        var result = Inner.Step(action, observation);
        _return += result.Reward;
        _length++;
        if (result.Done)
        {
            Info.Set(InfoKeys.EpisodeReturn, _return);
            Info.Set(InfoKeys.EpisodeLength, _length);
            CompletedEpisodes++;
        }
        return result;
    }
}
