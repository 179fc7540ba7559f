using System.Runtime.InteropServices;

namespace SobolevRL.Envs.Ale;

/// <summary>Settings passed to <c>sobolevrl_ale_create</c>; the layout of <c>sobolevrl_ale_settings</c> in sobolevrl_ale.h.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct AleNativeSettings
{
    public int RandomSeed;
    public float RepeatActionProbability;
    public int FrameSkip;
    public int MaxNumFramesPerEpisode;
    public int Mode;
    public int Difficulty;
}

/// <summary>
/// The functions of SobolevRL's C shim over ALE (native/sobolevrl_ale.h), bound by source-generated P/Invoke.
/// The library name is resolved to the configured file by <see cref="AleLibrary"/>; call <see cref="AleLibrary.Load"/>
/// before any of these.
/// </summary>
internal static partial class AleNative
{
    public const string LibraryName = "sobolevrl_ale";
    public const int AbiVersion = 2;

    /// <summary>Oldest shim interface still accepted: version 1 lacks <see cref="ResetSeeded"/> (emulated by a reload and a reset).</summary>
    public const int MinimumAbiVersion = 1;
    public const int MaxAction = 17;

    public const int Ok = 0;
    public const int ErrorFailed = -1;
    public const int ErrorArgument = -2;
    public const int ErrorRomNotFound = -3;
    public const int ErrorRomUnsupported = -4;
    public const int ErrorBufferSize = -5;
    public const int ErrorMode = -6;

    // Returns a pointer owned by the shim (thread-local string): read it, never free it.
    [LibraryImport(LibraryName, EntryPoint = "sobolevrl_ale_last_error")]
    public static partial nint LastError();

    [LibraryImport(LibraryName, EntryPoint = "sobolevrl_ale_version_string")]
    public static unsafe partial int VersionString(byte* buffer, int capacity);

    [LibraryImport(LibraryName, EntryPoint = "sobolevrl_ale_is_supported_rom", StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial int IsSupportedRom(string romPath, byte* gameId, int capacity);

    [LibraryImport(LibraryName, EntryPoint = "sobolevrl_ale_create", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Create(string romPath, in AleNativeSettings settings, out nint handle);

    [LibraryImport(LibraryName, EntryPoint = "sobolevrl_ale_destroy")]
    public static partial void Destroy(nint handle);

    [LibraryImport(LibraryName, EntryPoint = "sobolevrl_ale_reseed")]
    public static partial int Reseed(AleHandle handle, int randomSeed);

    [LibraryImport(LibraryName, EntryPoint = "sobolevrl_ale_reset_seeded")]
    public static partial int ResetSeeded(AleHandle handle, int randomSeed);

    [LibraryImport(LibraryName, EntryPoint = "sobolevrl_ale_action_set")]
    public static unsafe partial int ActionSet(AleHandle handle, int minimal, int* actions, int capacity, out int count);

    [LibraryImport(LibraryName, EntryPoint = "sobolevrl_ale_available_modes")]
    public static unsafe partial int AvailableModes(AleHandle handle, int* modes, int capacity, out int count);

    [LibraryImport(LibraryName, EntryPoint = "sobolevrl_ale_available_difficulties")]
    public static unsafe partial int AvailableDifficulties(AleHandle handle, int* difficulties, int capacity, out int count);

    [LibraryImport(LibraryName, EntryPoint = "sobolevrl_ale_act")]
    public static partial int Act(AleHandle handle, int action, out int reward);

    [LibraryImport(LibraryName, EntryPoint = "sobolevrl_ale_game_over")]
    public static partial int GameOver(AleHandle handle, int withTruncation);

    [LibraryImport(LibraryName, EntryPoint = "sobolevrl_ale_game_truncated")]
    public static partial int GameTruncated(AleHandle handle);

    [LibraryImport(LibraryName, EntryPoint = "sobolevrl_ale_lives")]
    public static partial int Lives(AleHandle handle);

    [LibraryImport(LibraryName, EntryPoint = "sobolevrl_ale_frame_number")]
    public static partial int FrameNumber(AleHandle handle);

    [LibraryImport(LibraryName, EntryPoint = "sobolevrl_ale_episode_frame_number")]
    public static partial int EpisodeFrameNumber(AleHandle handle);

    [LibraryImport(LibraryName, EntryPoint = "sobolevrl_ale_reset_game")]
    public static partial int ResetGame(AleHandle handle);

    [LibraryImport(LibraryName, EntryPoint = "sobolevrl_ale_screen_size")]
    public static partial int ScreenSize(AleHandle handle, out int height, out int width);

    [LibraryImport(LibraryName, EntryPoint = "sobolevrl_ale_screen_grayscale")]
    public static unsafe partial int ScreenGrayscale(AleHandle handle, byte* buffer, nuint length);

    [LibraryImport(LibraryName, EntryPoint = "sobolevrl_ale_screen_rgb")]
    public static unsafe partial int ScreenRgb(AleHandle handle, byte* buffer, nuint length);

    [LibraryImport(LibraryName, EntryPoint = "sobolevrl_ale_benchmark")]
    public static partial int Benchmark(AleHandle handle, long frames, ulong seed, int grayscale, out double framesPerSecond);

    /// <summary>The shim's message for the last failure on this thread.</summary>
    public static string LastErrorMessage() => Marshal.PtrToStringUTF8(LastError()) ?? "";
}

/// <summary>Owns one native ALE emulator; released with <c>sobolevrl_ale_destroy</c>.</summary>
internal sealed class AleHandle : SafeHandle
{
    public AleHandle() : base(0, ownsHandle: true) { }

    public AleHandle(nint handle) : base(0, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        AleNative.Destroy(handle);
        return true;
    }
}
