using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Wrappers;

/// <summary>
/// Ends episodes after <see cref="MaxEpisodeSteps"/> steps with <see cref="StepResult.Truncated"/> set (Gymnasium
/// semantics): the step that reaches the limit reports <c>truncated = true</c>; <c>terminated</c> is passed through
/// unchanged, so a game that ends on exactly that step reports both. Stepping after the end throws
/// <see cref="InvalidOperationException"/> until the next reset.
/// </summary>
public sealed class TimeLimit : EnvWrapper
{
    private int _elapsed;
    private bool _needsReset = true;

    /// <summary>Wraps <paramref name="inner"/> with a limit of <paramref name="maxEpisodeSteps"/> (≥ 1) steps per episode.</summary>
    public TimeLimit(IEnv inner, int maxEpisodeSteps) : base(inner)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEpisodeSteps, 1);
        MaxEpisodeSteps = maxEpisodeSteps;
    }

    /// <summary>Steps per episode after which the episode is truncated.</summary>
    public int MaxEpisodeSteps { get; }

    /// <summary>Steps taken in the current episode.</summary>
    public int ElapsedSteps => _elapsed;

    /// <inheritdoc />
    public override void Reset(long? seed, Span<byte> observation)
    {
        Inner.Reset(seed, observation);
        _elapsed = 0;
        _needsReset = false;
    }

    /// <inheritdoc />
    public override StepResult Step(int action, Span<byte> observation)
    {
        if (_needsReset) throw new InvalidOperationException($"{Id}: the episode is over (or was never started); call Reset before Step");
        var result = Inner.Step(action, observation);
        _elapsed++;
        if (_elapsed >= MaxEpisodeSteps) result = result with { Truncated = true };
        _needsReset = result.Done;
        return result;
    }
}
