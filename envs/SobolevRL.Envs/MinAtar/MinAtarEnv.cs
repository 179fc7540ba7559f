using SobolevRL.Envs.Core;
using SobolevRL.Envs.Random;

namespace SobolevRL.Envs.MinAtar;

/// <summary>Builds a game that draws every random number from <paramref name="rng"/>.</summary>
/// <param name="rng">The generator shared by the game and the environment's sticky-action draws.</param>
/// <param name="ramping">Whether the game's difficulty ramps up over an episode (games without ramping ignore it).</param>
public delegate IMinAtarGame MinAtarGameFactory(NumpyRandomState rng, bool ramping);

/// <summary>
/// A MinAtar game as an <see cref="IEnv"/>, with the semantics of MinAtar v1.0.15's <c>Environment</c> and its
/// Gymnasium ids: <c>-v0</c> takes all 6 actions, <c>-v1</c> the game's minimal action set. Every step first draws
/// one uniform number from the generator the game also uses; below <see cref="StickyActionProbability"/> the previous
/// executed action is repeated instead of the given one. The remembered action starts at noop and survives
/// <c>Reset(null)</c>; <c>Reset(seed)</c> re-seeds the generator and forgets it, so an episode reset with a seed is
/// identical to the reference's <c>Environment</c> freshly built, <c>seed(seed)</c>-ed and <c>reset()</c>.
/// Observations are channels×10×10 bytes in {0, 1}.
/// </summary>
public sealed class MinAtarEnv : IEnv
{
    private readonly NumpyRandomState _rng;
    private readonly int[]? _actionSet;
    private readonly int _observationSize;
    private int _lastAction;
    private bool _started;
    private bool _done;

    /// <summary>Creates the environment; <paramref name="createGame"/> is called once with the environment's generator.</summary>
    /// <param name="createGame">Builds the game.</param>
    /// <param name="minimalActionSet">True for the minimal action set (<c>-v1</c>), false for all 6 actions (<c>-v0</c>).</param>
    /// <param name="stickyActionProbability">Probability in [0, 1] of repeating the previous action (reference default 0.1).</param>
    /// <param name="ramping">Difficulty ramping (reference default on).</param>
    /// <param name="maxEpisodeSteps">Steps after which an episode is truncated; 0 for no limit (the reference has none).</param>
    public MinAtarEnv(MinAtarGameFactory createGame, bool minimalActionSet = false, double stickyActionProbability = 0.1,
        bool ramping = true, int maxEpisodeSteps = 0)
    {
        ArgumentNullException.ThrowIfNull(createGame);
        if (!(stickyActionProbability >= 0 && stickyActionProbability <= 1))
            throw new ArgumentOutOfRangeException(nameof(stickyActionProbability), stickyActionProbability, "must be in [0, 1]");
        ArgumentOutOfRangeException.ThrowIfNegative(maxEpisodeSteps);
        // Until the first seeded reset the generator is seeded from the system, as the reference's unseeded RandomState.
        _rng = new NumpyRandomState((uint)System.Random.Shared.NextInt64(0, 1L << 32));
        Game = createGame(_rng, ramping);
        _actionSet = minimalActionSet ? [.. Game.MinimalActionSet] : null;
        StickyActionProbability = stickyActionProbability;
        Ramping = ramping;
        MaxEpisodeSteps = maxEpisodeSteps;
        int channels = Game.ChannelNames.Count;
        _observationSize = channels * 100;
        Id = $"{MinAtarFamily.IdPrefix}{Game.Name}-v{(minimalActionSet ? 1 : 0)}";
        ObservationSpace = new BoxSpace([channels, 10, 10], 0, 1);
        ActionSpace = new DiscreteSpace(_actionSet?.Length ?? 6);
    }

    /// <inheritdoc />
    public string Id { get; }

    /// <inheritdoc />
    public BoxSpace ObservationSpace { get; }

    /// <inheritdoc />
    public DiscreteSpace ActionSpace { get; }

    /// <inheritdoc />
    public EnvInfo Info { get; } = new();

    /// <summary>The game being played (for game-specific state such as a difficulty level).</summary>
    public IMinAtarGame Game { get; }

    /// <summary>Probability of repeating the previous action.</summary>
    public double StickyActionProbability { get; }

    /// <summary>Whether difficulty ramping is on.</summary>
    public bool Ramping { get; }

    /// <summary>Steps after which an episode is truncated; 0 when unlimited.</summary>
    public int MaxEpisodeSteps { get; }

    /// <summary>Maps an action of this id's action space to the full 0..5 set (identity for <c>-v0</c>).</summary>
    public int ToFullAction(int action) => _actionSet is null ? action : _actionSet[action];

    /// <summary>The action (in the full 0..5 set) the game executed on the last step, after sticky repetition.</summary>
    public int LastExecutedAction => _lastAction;

    /// <summary>Steps taken in the current episode.</summary>
    public int EpisodeStep { get; private set; }

    /// <inheritdoc />
    public void Reset(long? seed, Span<byte> observation)
    {
        CheckObservationBuffer(observation);
        if (seed is { } s)
        {
            if (s < 0 || s > uint.MaxValue)
                throw new ArgumentOutOfRangeException(nameof(seed), s, "a MinAtar seed must be in [0, 2^32 - 1] (as numpy's RandomState)");
            _rng.Seed((uint)s);
            _lastAction = 0;
        }
        Game.Reset();
        Game.WriteState(observation);
        Info.Clear();
        EpisodeStep = 0;
        _started = true;
        _done = false;
    }

    /// <inheritdoc />
    public StepResult Step(int action, Span<byte> observation)
    {
        if ((uint)action >= (uint)ActionSpace.N)
            throw new ArgumentOutOfRangeException(nameof(action), action, $"{Id} takes actions 0..{ActionSpace.N - 1}");
        if (_done || !_started)
            throw new InvalidOperationException(_started
                ? $"{Id}: the episode has ended; call Reset before stepping again"
                : $"{Id}: call Reset before the first Step");
        CheckObservationBuffer(observation);

        int executed = _actionSet is null ? action : _actionSet[action];
        // The reference draws this number on every step, even with probability 0, so the game's draws stay aligned.
        if (_rng.Rand() < StickyActionProbability) executed = _lastAction;
        _lastAction = executed;

        var (reward, terminated) = Game.Act(executed);
        EpisodeStep++;
        bool truncated = !terminated && MaxEpisodeSteps > 0 && EpisodeStep >= MaxEpisodeSteps;
        _done = terminated || truncated;
        Game.WriteState(observation);
        Info.Clear();
        return new StepResult(reward, terminated, truncated);
    }

    /// <inheritdoc />
    public void Dispose() { }

    private void CheckObservationBuffer(Span<byte> observation)
    {
        if (observation.Length != _observationSize)
            throw new ArgumentException($"{Id}: observation buffer has {observation.Length} bytes, needs {_observationSize} ({ObservationSpace})", nameof(observation));
    }
}
