using SobolevRL.Envs.Wrappers;
using SobolevRL.Envs.Core;
using SobolevRL.Envs.Random;

namespace SobolevRL.Envs.Wrappers.Atari;

/// <summary>
/// After each reset, takes a random number of no-op steps, uniform in 1..<see cref="NoopMax"/> (0 disables it), so
/// episodes start from varied states (Mnih et al. 2015; Gymnasium's <c>AtariPreprocessing(noop_max=30)</c>). Wrap the
/// single-frame environment, below frame skipping, so each no-op is one frame. If a no-op ends the episode the inner
/// environment is reset again (without a seed) and the no-ops stop. The count is drawn from a generator of its own,
/// re-seeded by <c>Reset(seed)</c> with a seed derived from the given one.
/// </summary>
public sealed class NoopReset : EnvWrapper, IDeferredObservationEnv
{
    private readonly IDeferredObservationEnv? _deferred;
    private readonly byte[]? _lastObservation;
    private readonly NumpyRandomState _rng;

    /// <summary>Wraps <paramref name="inner"/>; <paramref name="noopAction"/> is the index of the no-op action (0 in ALE's action sets).</summary>
    public NoopReset(IEnv inner, int noopMax = 30, int noopAction = 0) : base(inner)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(noopMax);
        if (!inner.ActionSpace.Contains(noopAction))
            throw new ArgumentOutOfRangeException(nameof(noopAction), noopAction, $"{inner.Id}: not an action of {inner.ActionSpace}");
        NoopMax = noopMax;
        NoopAction = noopAction;
        _deferred = inner as IDeferredObservationEnv;
        // Without a deferring inner environment, the last observation is kept here to serve WriteObservation.
        if (_deferred is null) _lastObservation = new byte[inner.ObservationSpace.Size];
        _rng = new NumpyRandomState((uint)System.Random.Shared.NextInt64(0, 1L << 32));
    }

    /// <summary>Largest number of no-ops after a reset.</summary>
    public int NoopMax { get; }

    /// <summary>Index of the no-op action.</summary>
    public int NoopAction { get; }

    /// <summary>No-ops taken after the last reset.</summary>
    public int LastNoopCount { get; private set; }

    /// <inheritdoc />
    public override void Reset(long? seed, Span<byte> observation)
    {
        Inner.Reset(seed, observation);
        if (seed is long s) _rng.Seed((uint)SeedMixer.Mix(s, AtariSeeds.NoopResetStream));
        int count = NoopMax > 0 ? _rng.RandInt(1, NoopMax + 1) : 0;
        LastNoopCount = 0;
        bool pending = false;
        for (int i = 0; i < count; i++)
        {
            StepResult result;
            if (_deferred is not null)
            {
                result = _deferred.StepWithoutObservation(NoopAction);
                pending = true;
            }
            else
            {
                result = Inner.Step(NoopAction, observation);
            }
            LastNoopCount++;
            if (result.Done)
            {
                Inner.Reset(null, observation);
                pending = false;
                break;
            }
        }
        if (pending) _deferred!.WriteObservation(observation);
        if (_lastObservation is not null) observation.CopyTo(_lastObservation);
    }

    /// <inheritdoc />
    public override StepResult Step(int action, Span<byte> observation)
    {
        var result = Inner.Step(action, observation);
        if (_lastObservation is not null) observation.CopyTo(_lastObservation);
        return result;
    }

    /// <inheritdoc />
    public StepResult StepWithoutObservation(int action) =>
        _deferred is not null ? _deferred.StepWithoutObservation(action) : Inner.Step(action, _lastObservation);

    /// <inheritdoc />
    public void WriteObservation(Span<byte> observation)
    {
        if (_deferred is not null) _deferred.WriteObservation(observation);
        else _lastObservation.AsSpan().CopyTo(observation);
    }
}
