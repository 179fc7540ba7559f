using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Ale;

/// <summary>
/// One ALE emulator running one ROM, through SobolevRL's C shim: the raw ALE interface (ALE action ids 0..17, rewards as
/// the game counts them, screens into caller buffers). Not thread-safe; separate emulators may run on separate threads.
/// Most users want <see cref="AleEnv"/> or an <c>ALE/…-v5</c> id instead.
/// </summary>
public sealed class AleEmulator : IDisposable
{
    private readonly AleHandle _handle;

    private unsafe AleEmulator(AleHandle handle, string romPath, AleEmulatorSettings settings)
    {
        _handle = handle;
        RomPath = romPath;
        Settings = settings;
        AleErrors.ThrowIfFailed(AleNative.ScreenSize(_handle, out int height, out int width), "reading the screen size");
        ScreenHeight = height;
        ScreenWidth = width;
        MinimalActionSet = ReadList(AleNative.ActionSet, 1, "reading the minimal action set");
        LegalActionSet = ReadList(AleNative.ActionSet, 0, "reading the legal action set");
        AvailableModes = ReadList((h, _, p, c, out n) => AleNative.AvailableModes(h, p, c, out n), 0, "reading the game modes");
        AvailableDifficulties = ReadList((h, _, p, c, out n) => AleNative.AvailableDifficulties(h, p, c, out n), 0, "reading the difficulties");
    }

    /// <summary>
    /// Loads <paramref name="romPath"/> into a new emulator. The shim must be loaded (<see cref="AleLibrary.Load"/>).
    /// Throws <see cref="EnvException"/> when the ROM is missing or unsupported, or the mode/difficulty unavailable.
    /// </summary>
    public static AleEmulator Create(string romPath, AleEmulatorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(romPath);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        AleLibrary.RequireLoaded();
        var native = settings.ToNative();
        int status = AleNative.Create(romPath, in native, out nint raw);
        AleErrors.ThrowIfFailed(status, $"loading {romPath}");
        return new AleEmulator(new AleHandle(raw), romPath, settings);
    }

    /// <summary>The ROM file.</summary>
    public string RomPath { get; }

    /// <summary>The settings the ROM was loaded with (the seed as of creation; see <see cref="Reseed"/>).</summary>
    public AleEmulatorSettings Settings { get; }

    /// <summary>Screen height in pixels (210 for every supported game).</summary>
    public int ScreenHeight { get; }

    /// <summary>Screen width in pixels (160).</summary>
    public int ScreenWidth { get; }

    /// <summary>The game's minimal action set as ALE action ids.</summary>
    public IReadOnlyList<int> MinimalActionSet { get; }

    /// <summary>All 18 ALE action ids.</summary>
    public IReadOnlyList<int> LegalActionSet { get; }

    /// <summary>Modes the game offers.</summary>
    public IReadOnlyList<int> AvailableModes { get; }

    /// <summary>Difficulties the game offers.</summary>
    public IReadOnlyList<int> AvailableDifficulties { get; }

    /// <summary>Lives left.</summary>
    public int Lives => Checked(AleNative.Lives(_handle), "reading the lives");

    /// <summary>Frames emulated since the ROM was (re)loaded.</summary>
    public int FrameNumber => Checked(AleNative.FrameNumber(_handle), "reading the frame number");

    /// <summary>Frames emulated since the episode started.</summary>
    public int EpisodeFrameNumber => Checked(AleNative.EpisodeFrameNumber(_handle), "reading the episode frame number");

    /// <summary>True when the game reached a terminal state (not counting the frame limit).</summary>
    public bool IsTerminal => Checked(AleNative.GameOver(_handle, 0), "reading game over") != 0;

    /// <summary>True when the episode reached <see cref="AleEmulatorSettings.MaxNumFramesPerEpisode"/>.</summary>
    public bool IsTruncated => Checked(AleNative.GameTruncated(_handle), "reading truncation") != 0;

    /// <summary>True when the game is terminal or truncated (ALE's <c>game_over()</c>).</summary>
    public bool IsGameOver => Checked(AleNative.GameOver(_handle, 1), "reading game over") != 0;

    /// <summary>Emulates <see cref="AleEmulatorSettings.FrameSkip"/> frames with ALE action id <paramref name="aleAction"/> (0..17) and returns the reward.</summary>
    public int Act(int aleAction)
    {
        if ((uint)aleAction > AleNative.MaxAction)
            throw new ArgumentOutOfRangeException(nameof(aleAction), aleAction, "ALE action ids are 0..17");
        AleErrors.ThrowIfFailed(AleNative.Act(_handle, aleAction, out int reward), "emulating a frame");
        return reward;
    }

    /// <summary>Starts a new episode (ALE's <c>reset_game</c>).</summary>
    public void ResetGame() => AleErrors.ThrowIfFailed(AleNative.ResetGame(_handle), "resetting the game");

    /// <summary>Reloads the ROM with a new seed for ALE's generator, keeping the other settings (as Gymnasium's seeded reset does).</summary>
    public void Reseed(int randomSeed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(randomSeed);
        AleErrors.ThrowIfFailed(AleNative.Reseed(_handle, randomSeed), "re-seeding");
    }

    /// <summary>
    /// Starts a new episode with a new seed for ALE's generator: the emulator ends as after <see cref="Reseed"/> and
    /// <see cref="ResetGame"/> (Gymnasium's seeded reset), but a shim of interface version 2 restores the state of the
    /// last ROM load instead of reloading, whenever loading drew nothing from ALE's generator (see
    /// <see cref="AleLibrary.HasSeededReset"/>).
    /// </summary>
    public void ResetSeeded(int randomSeed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(randomSeed);
        if (!AleLibrary.HasSeededReset)
        {
            Reseed(randomSeed);
            ResetGame();
            return;
        }
        AleErrors.ThrowIfFailed(AleNative.ResetSeeded(_handle, randomSeed), "starting a seeded episode");
    }

    /// <summary>Writes the screen's grey levels (<see cref="ScreenHeight"/>×<see cref="ScreenWidth"/> bytes, row-major).</summary>
    public unsafe void GetScreenGrayscale(Span<byte> destination)
    {
        CheckLength(destination, 1);
        fixed (byte* p = destination)
            AleErrors.ThrowIfFailed(AleNative.ScreenGrayscale(_handle, p, (nuint)destination.Length), "reading the screen");
    }

    /// <summary>Writes the screen as RGB (<see cref="ScreenHeight"/>×<see cref="ScreenWidth"/>×3 bytes, row-major, channels interleaved).</summary>
    public unsafe void GetScreenRgb(Span<byte> destination)
    {
        CheckLength(destination, 3);
        fixed (byte* p = destination)
            AleErrors.ThrowIfFailed(AleNative.ScreenRgb(_handle, p, (nuint)destination.Length), "reading the screen");
    }

    /// <summary>
    /// Runs the shim's native benchmark loop (random minimal actions, reset on game over, optionally reading the
    /// grayscale screen every frame) for <paramref name="frames"/> frames and returns its frames per second.
    /// </summary>
    public double NativeBenchmark(long frames, ulong seed, bool grayscale)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frames, 1);
        AleErrors.ThrowIfFailed(AleNative.Benchmark(_handle, frames, seed, grayscale ? 1 : 0, out double fps), "running the native benchmark");
        return fps;
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();

    private void CheckLength(Span<byte> destination, int channels)
    {
        int expected = ScreenHeight * ScreenWidth * channels;
        if (destination.Length != expected)
            throw new ArgumentException($"screen buffer has {destination.Length} bytes, the screen {expected} ({ScreenHeight}x{ScreenWidth}x{channels})", nameof(destination));
    }

    private static int Checked(int value, string doing)
    {
        AleErrors.ThrowIfFailed(value, doing);
        return value;
    }

    private unsafe delegate int ListReader(AleHandle handle, int flag, int* values, int capacity, out int count);

    private unsafe int[] ReadList(ListReader read, int flag, string doing)
    {
        const int Capacity = 256;
        int* values = stackalloc int[Capacity];
        AleErrors.ThrowIfFailed(read(_handle, flag, values, Capacity, out int count), doing);
        if (count > Capacity) throw new InvalidOperationException($"ALE reported {count} entries {doing}, more than {Capacity}");
        return new ReadOnlySpan<int>(values, count).ToArray();
    }
}
