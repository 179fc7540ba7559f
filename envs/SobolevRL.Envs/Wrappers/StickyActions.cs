using SobolevRL.Envs.Core;
using SobolevRL.Envs.Random;

namespace SobolevRL.Envs.Wrappers;

/// <summary>
/// Sticky actions (Machado et al. 2018): at each step, with probability <see cref="RepeatProbability"/> the previous
/// action is applied instead of the requested one. Decided once per agent step (not per emulator frame). For
/// environments without stickiness of their own; MinAtar has it built in and ALE can do it per frame itself.
/// <para>
/// The remembered action is set to 0 (no-op) at every reset. The wrapper draws from its own generator, seeded at
/// <see cref="Reset"/> from the reset seed (mixed, so its stream differs from the inner environment's); before the
/// first seeded reset it is seeded with 0, so runs are reproducible even without seeds.
/// </para>
/// </summary>
public sealed class StickyActions : EnvWrapper
{
    private readonly NumpyRandomState _rng = new(0);
    private int _previousAction;

    /// <summary>Wraps <paramref name="inner"/>; <paramref name="repeatProbability"/> in [0, 1] (0.25 is the ALE v5 default).</summary>
    public StickyActions(IEnv inner, double repeatProbability) : base(inner)
    {
        if (!(repeatProbability >= 0 && repeatProbability <= 1))
            throw new ArgumentOutOfRangeException(nameof(repeatProbability), repeatProbability, "must be in [0, 1]");
        RepeatProbability = repeatProbability;
    }

    /// <summary>Probability of repeating the previous action.</summary>
    public double RepeatProbability { get; }

    /// <summary>The action actually applied at the last step (0 after a reset).</summary>
    public int PreviousAction => _previousAction;

    /// <inheritdoc />
    public override void Reset(long? seed, Span<byte> observation)
    {
        if (seed is long s) _rng.Seed(SeedMixer.ToUInt32(s, SeedMixer.StickyActionsStream));
        Inner.Reset(seed, observation);
        _previousAction = 0;
    }

    /// <inheritdoc />
    public override StepResult Step(int action, Span<byte> observation)
    {
        if (!ActionSpace.Contains(action)) throw new ArgumentOutOfRangeException(nameof(action), action, $"{Id} has actions 0..{ActionSpace.N - 1}");
        int applied = _rng.Rand() < RepeatProbability ? _previousAction : action;
        var result = Inner.Step(applied, observation);
        _previousAction = applied;
        return result;
    }
}
