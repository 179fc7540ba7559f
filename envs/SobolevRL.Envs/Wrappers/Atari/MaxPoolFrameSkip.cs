using System.Numerics;
using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Wrappers.Atari;

/// <summary>
/// Repeats each action for <see cref="Skip"/> inner steps, sums their rewards, and observes the element-wise maximum of
/// the last two frames (which removes the flicker of sprites drawn on alternate frames; Mnih et al. 2015, Gymnasium's
/// <c>AtariPreprocessing(frame_skip=4)</c>). When the episode ends before the skip is complete the repetition stops
/// and the observation is the final frame alone. Over an <see cref="IDeferredObservationEnv"/> only the two kept frames
/// are read. A reset passes through unchanged (its observation is the single first frame).
/// </summary>
public sealed class MaxPoolFrameSkip : EnvWrapper
{
    private readonly IDeferredObservationEnv? _deferred;
    private readonly byte[] _previous;

    /// <summary>Wraps <paramref name="inner"/>, repeating each action <paramref name="skip"/> (≥ 1) times.</summary>
    public MaxPoolFrameSkip(IEnv inner, int skip = 4) : base(inner)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(skip, 1);
        Skip = skip;
        _deferred = inner as IDeferredObservationEnv;
        _previous = new byte[inner.ObservationSpace.Size];
    }

    /// <summary>Inner steps per step.</summary>
    public int Skip { get; }

    /// <inheritdoc />
    public override StepResult Step(int action, Span<byte> observation)
    {
        if (observation.Length != _previous.Length)
            throw new ArgumentException($"{Id}: observation buffer has {observation.Length} bytes, the observation {_previous.Length}", nameof(observation));
        float reward = 0;
        StepResult result = default;
        for (int t = 0; t < Skip; t++)
        {
            bool kept = t >= Skip - 2;
            if (!kept && _deferred is not null) result = _deferred.StepWithoutObservation(action);
            else result = Inner.Step(action, t == Skip - 2 ? _previous : observation);
            reward += result.Reward;
            if (result.Done && t < Skip - 1)
            {
                // Cut short: the final frame alone (it is in the observation already unless it was deferred or kept aside).
                if (!kept && _deferred is not null) _deferred.WriteObservation(observation);
                else if (t == Skip - 2) _previous.CopyTo(observation);
                return result with { Reward = reward };
            }
        }
        if (Skip >= 2) MaxInPlace(observation, _previous);
        return result with { Reward = reward };
    }

    /// <summary>Sets <c>target[i] = max(target[i], other[i])</c>.</summary>
    public static void MaxInPlace(Span<byte> target, ReadOnlySpan<byte> other)
    {
        if (other.Length != target.Length) throw new ArgumentException("spans differ in length", nameof(other));
        int i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            for (; i <= target.Length - Vector<byte>.Count; i += Vector<byte>.Count)
            {
                var max = System.Numerics.Vector.Max(new Vector<byte>(target[i..]), new Vector<byte>(other[i..]));
                max.CopyTo(target[i..]);
            }
        }
        for (; i < target.Length; i++)
            if (other[i] > target[i]) target[i] = other[i];
    }
}
