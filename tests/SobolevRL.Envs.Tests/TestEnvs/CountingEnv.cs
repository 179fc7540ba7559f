using SobolevRL.Envs.Core;
using SobolevRL.Envs.Random;

namespace SobolevRL.Envs.Tests.TestEnvs;

/// <summary>
/// A tiny deterministic env for wrapper and vector tests: episode length drawn at reset from the env's generator,
/// reward = action + a random 0..2, observation bytes encode (step, last applied action, episode length, a random
/// byte), so a test can read back what happened. Optionally throws at a given total step count.
/// </summary>
public sealed class CountingEnv : IEnv
{
    private readonly NumpyRandomState _rng = new(0);
    private readonly long? _throwAtTotalStep;
    private long _totalSteps;
    private int _step;
    private int _length;
    private bool _started;
    private bool _done;

    public CountingEnv(int actions = 4, int channels = 2, long? throwAtTotalStep = null, int minLength = 3, int maxLength = 15, int framesPerStep = 0)
    {
        ActionSpace = new DiscreteSpace(actions);
        ObservationSpace = new BoxSpace([channels, 3, 4], 0, 255);
        _throwAtTotalStep = throwAtTotalStep;
        MinLength = minLength;
        MaxLength = maxLength;
        FramesPerStep = framesPerStep;
    }

    /// <summary>When positive, info reports <c>episode_frame_number</c> = step × this, like an Atari env with frame skip.</summary>
    public int FramesPerStep { get; }

    public int MinLength { get; }
    public int MaxLength { get; }
    public string Id => "Test/Counting-v0";
    public BoxSpace ObservationSpace { get; }
    public DiscreteSpace ActionSpace { get; }
    public EnvInfo Info { get; } = new();
    public int ResetCount { get; private set; }
    public bool Disposed { get; private set; }

    public void Reset(long? seed, Span<byte> observation)
    {
        if (seed is long s) _rng.Seed((uint)s);
        _length = _rng.RandInt(MinLength, MaxLength + 1);
        _step = 0;
        _started = true;
        _done = false;
        ResetCount++;
        Write(observation, 0);
        Info.Clear();
        Info.Set("reset_length", _length);
        if (FramesPerStep > 0) Info.Set(InfoKeys.EpisodeFrameNumber, 0);
    }

    public StepResult Step(int action, Span<byte> observation)
    {
        if (!ActionSpace.Contains(action)) throw new ArgumentOutOfRangeException(nameof(action));
        if (!_started || _done) throw new InvalidOperationException("reset first");
        _totalSteps++;
        if (_totalSteps == _throwAtTotalStep) throw new InvalidDataException($"planned failure at step {_totalSteps}");
        _step++;
        float reward = action + _rng.RandInt(0, 3);
        _done = _step >= _length;
        Write(observation, action);
        Info.Clear();
        Info.Set("step", _step);
        if (FramesPerStep > 0) Info.Set(InfoKeys.EpisodeFrameNumber, _step * FramesPerStep);
        return new StepResult(reward, _done, false);
    }

    public static int StepOf(ReadOnlySpan<byte> obs) => obs[0];
    public static int ActionOf(ReadOnlySpan<byte> obs) => obs[1];
    public static int LengthOf(ReadOnlySpan<byte> obs) => obs[2];

    private void Write(Span<byte> observation, int action)
    {
        if (observation.Length != ObservationSpace.Size) throw new ArgumentException("bad buffer");
        observation[0] = (byte)_step;
        observation[1] = (byte)action;
        observation[2] = (byte)_length;
        observation[3] = (byte)_rng.RandInt(0, 256);
        for (int k = 4; k < observation.Length; k++) observation[k] = (byte)(_step * 31 + k * 7 + _length);
    }

    public void Dispose() => Disposed = true;
}
