using SobolevRL.Envs.Wrappers;
using SobolevRL.Envs.Core;
using SobolevRL.Envs.Wrappers.Atari;

namespace SobolevRL.Envs.Ale;

/// <summary>
/// One ALE game as an <see cref="IEnv"/>, one emulated frame per step (no preprocessing; see <see cref="AleFamily"/>
/// for the standard stack), with the semantics of Gymnasium's <c>AtariEnv</c> with <c>frameskip=1</c>: actions index the
/// minimal action set (or all 18 with <c>fullActionSpace</c>); <c>terminated</c> is the game's own end, <c>truncated</c>
/// the emulator's frame limit; <c>Reset(seed)</c> puts the emulator where reloading the ROM with a seed derived from the
/// given one for ALE's generator (sticky actions) would, without the reload (<see cref="AleEmulator.ResetSeeded"/>);
/// <c>Reset(null)</c> keeps the generator going. Info carries lives, the episode frame number and the frame number. Owns
/// and disposes the emulator.
/// </summary>
public sealed class AleEnv : IEnv, IDeferredObservationEnv
{
    /// <summary>Info key: frames emulated since the ROM was (re)loaded.</summary>
    public const string FrameNumberKey = "frame_number";

    private readonly int[] _actionSet;
    private readonly byte[]? _rgbScratch;
    private bool _started;
    private bool _done;

    /// <summary>Wraps <paramref name="emulator"/> (taking ownership) as the environment <paramref name="id"/>.</summary>
    /// <param name="emulator">The emulator, with its ROM loaded.</param>
    /// <param name="id">Id reported by <see cref="Id"/>, e.g. <c>ALE/Breakout-v5</c>.</param>
    /// <param name="fullActionSpace">All 18 ALE actions instead of the game's minimal set.</param>
    /// <param name="observationType">Grey levels (1 channel) or colour (3 channels).</param>
    public AleEnv(AleEmulator emulator, string id, bool fullActionSpace = false,
        AleObservationType observationType = AleObservationType.Grayscale)
    {
        ArgumentNullException.ThrowIfNull(emulator);
        ArgumentNullException.ThrowIfNull(id);
        Emulator = emulator;
        Id = id;
        _actionSet = [.. fullActionSpace ? emulator.LegalActionSet : emulator.MinimalActionSet];
        ObservationType = observationType;
        int channels = observationType == AleObservationType.Rgb ? 3 : 1;
        if (channels == 3) _rgbScratch = new byte[emulator.ScreenHeight * emulator.ScreenWidth * 3];
        ObservationSpace = new BoxSpace([channels, emulator.ScreenHeight, emulator.ScreenWidth], 0, 255);
        ActionSpace = new DiscreteSpace(_actionSet.Length);
    }

    /// <inheritdoc />
    public string Id { get; }

    /// <inheritdoc />
    public BoxSpace ObservationSpace { get; }

    /// <inheritdoc />
    public DiscreteSpace ActionSpace { get; }

    /// <inheritdoc />
    public EnvInfo Info { get; } = new();

    /// <summary>The emulator.</summary>
    public AleEmulator Emulator { get; }

    /// <summary>Grey levels or colour.</summary>
    public AleObservationType ObservationType { get; }

    /// <summary>The ALE action id of each action index.</summary>
    public IReadOnlyList<int> ActionSet => _actionSet;

    /// <summary>ALE's generator seed (a non-negative 32-bit integer) for a user seed; nearby seeds give unrelated streams.</summary>
    public static int ToAleSeed(long seed) => (int)(SeedMixer.Mix(seed, AtariSeeds.AleStream) & 0x7FFF_FFFF);

    /// <inheritdoc />
    public void Reset(long? seed, Span<byte> observation)
    {
        CheckLength(observation);
        if (seed is long s) Emulator.ResetSeeded(ToAleSeed(s));
        else Emulator.ResetGame();
        _started = true;
        _done = false;
        WriteObservation(observation);
        UpdateInfo();
    }

    /// <inheritdoc />
    public StepResult Step(int action, Span<byte> observation)
    {
        CheckLength(observation);
        var result = StepWithoutObservation(action);
        WriteObservation(observation);
        return result;
    }

    /// <inheritdoc />
    public StepResult StepWithoutObservation(int action)
    {
        if ((uint)action >= (uint)_actionSet.Length)
            throw new ArgumentOutOfRangeException(nameof(action), action, $"{Id}: actions are 0..{_actionSet.Length - 1}");
        if (!_started || _done) throw new InvalidOperationException($"{Id}: the episode is over (or was never started); call Reset before Step");
        int reward = Emulator.Act(_actionSet[action]);
        bool terminated = Emulator.IsTerminal;
        bool truncated = Emulator.IsTruncated;
        _done = terminated || truncated;
        UpdateInfo();
        return new StepResult(reward, terminated, truncated);
    }

    /// <inheritdoc />
    public void WriteObservation(Span<byte> observation)
    {
        CheckLength(observation);
        if (_rgbScratch is null)
        {
            Emulator.GetScreenGrayscale(observation);
            return;
        }
        Emulator.GetScreenRgb(_rgbScratch);
        int plane = Emulator.ScreenHeight * Emulator.ScreenWidth;
        for (int i = 0, j = 0; i < plane; i++, j += 3)
        {
            observation[i] = _rgbScratch[j];
            observation[plane + i] = _rgbScratch[j + 1];
            observation[2 * plane + i] = _rgbScratch[j + 2];
        }
    }

    /// <inheritdoc />
    public void Dispose() => Emulator.Dispose();

    private void UpdateInfo()
    {
        Info.Clear();
        Info.Set(InfoKeys.Lives, Emulator.Lives);
        Info.Set(InfoKeys.EpisodeFrameNumber, Emulator.EpisodeFrameNumber);
        Info.Set(FrameNumberKey, Emulator.FrameNumber);
    }

    private void CheckLength(Span<byte> observation)
    {
        if (observation.Length != ObservationSpace.Size)
            throw new ArgumentException($"{Id}: observation buffer has {observation.Length} bytes, the observation {ObservationSpace.Size} {ObservationSpace}", nameof(observation));
    }
}
