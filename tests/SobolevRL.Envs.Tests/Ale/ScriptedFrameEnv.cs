using SobolevRL.Envs.Core;
using SobolevRL.Envs.Wrappers.Atari;

namespace SobolevRL.Envs.Tests.Ale;

/// <summary>
/// A synthetic single-frame environment for wrapper tests: frame k of an episode (k = 0 at reset) fills the observation
/// with a pattern of k, the reward of frame k is given by a function, the episode ends after a set number of frames, and
/// lives drop on chosen frames. Counts how often an observation was written. Optionally not deferring (a plain IEnv).
/// </summary>
internal class ScriptedFrameEnv : IDeferredObservationEnv
{
    private readonly Func<int, float> _reward;
    private readonly int _episodeFrames;
    private readonly int[] _lifeLossFrames;
    private bool _done = true;

    public ScriptedFrameEnv(int channels = 1, int height = 4, int width = 6, int episodeFrames = 1000,
        Func<int, float>? reward = null, int[]? lifeLossFrames = null, int lives = 3)
    {
        ObservationSpace = new BoxSpace([channels, height, width], 0, 255);
        _reward = reward ?? (k => k);
        _episodeFrames = episodeFrames;
        _lifeLossFrames = lifeLossFrames ?? [];
        StartLives = lives;
    }

    public string Id => "Test/Scripted-v0";
    public BoxSpace ObservationSpace { get; }
    public DiscreteSpace ActionSpace { get; } = new(3);
    public EnvInfo Info { get; } = new();
    public int StartLives { get; }

    public int Frame { get; private set; }
    public int Lives { get; private set; }
    public int Resets { get; private set; }
    public int ObservationWrites { get; private set; }
    public List<int> Actions { get; } = [];
    public List<long?> ResetSeeds { get; } = [];

    /// <summary>The observation of frame k: pixel i holds (k * 7 + i * 13 + (k odd ? 100 : 0)) mod 256, so consecutive frames differ and neither dominates.</summary>
    public static byte Pixel(int frame, int index) => (byte)((frame * 7 + index * 13 + (frame % 2 == 1 ? 100 : 0)) % 256);

    public void Reset(long? seed, Span<byte> observation)
    {
        Frame = 0;
        Lives = StartLives;
        Resets++;
        ResetSeeds.Add(seed);
        _done = false;
        WriteObservation(observation);
        SetInfo();
    }

    public StepResult Step(int action, Span<byte> observation)
    {
        var result = StepWithoutObservation(action);
        WriteObservation(observation);
        return result;
    }

    public StepResult StepWithoutObservation(int action)
    {
        if (!ActionSpace.Contains(action)) throw new ArgumentOutOfRangeException(nameof(action));
        if (_done) throw new InvalidOperationException("step after end");
        Actions.Add(action);
        Frame++;
        if (_lifeLossFrames.Contains(Frame)) Lives--;
        bool terminated = Frame >= _episodeFrames || Lives == 0;
        _done = terminated;
        SetInfo();
        return new StepResult(_reward(Frame), terminated, false);
    }

    public void WriteObservation(Span<byte> observation)
    {
        Assert.Equal(ObservationSpace.Size, observation.Length);
        ObservationWrites++;
        for (int i = 0; i < observation.Length; i++) observation[i] = Pixel(Frame, i);
    }

    public void Dispose() { }

    private void SetInfo()
    {
        Info.Clear();
        Info.Set(InfoKeys.Lives, Lives);
    }
}

/// <summary>Hides <see cref="IDeferredObservationEnv"/>: a plain IEnv view of an environment.</summary>
internal sealed class PlainEnv(IEnv inner) : EnvWrapper(inner);
