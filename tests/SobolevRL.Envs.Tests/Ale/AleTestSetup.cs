using SobolevRL.Envs.Ale;

namespace SobolevRL.Envs.Tests.Ale;

/// <summary>Locates the ALE shim and the test ROM for the tests that need real ALE; they skip (never fail) without them.</summary>
internal static class AleTestSetup
{
    public const string SkipReasonPrefix = "needs ALE: ";

    public static string? LibraryPath => Environment.GetEnvironmentVariable(AleLibrary.PathVariable);

    public static string? RomDirectory => Environment.GetEnvironmentVariable(AleRoms.DirectoryVariable);

    public static string TetrisRom => Path.Combine(RomDirectory!, "tetris.bin");

    /// <summary>Null when the shim and tetris.bin are there (and the shim is loaded), else why the test skips.</summary>
    public static string? MissingReason()
    {
        const string How = "set SOBOLEVRL_ALE_LIB to libsobolevrl_ale.so (build and install ALE, then `make ale ALE_DIR=<ALE prefix>`; " +
            "see envs/SobolevRL.Envs/Ale/README.md) and SOBOLEVRL_ROMS to a directory holding tetris.bin (ALE's test ROM, tests/resources/tetris.bin in ALE's source)";
        if (string.IsNullOrWhiteSpace(LibraryPath)) return SkipReasonPrefix + "SOBOLEVRL_ALE_LIB is not set; " + How;
        if (!File.Exists(LibraryPath)) return SkipReasonPrefix + $"SOBOLEVRL_ALE_LIB={LibraryPath} does not exist; " + How;
        if (string.IsNullOrWhiteSpace(RomDirectory)) return SkipReasonPrefix + "SOBOLEVRL_ROMS is not set; " + How;
        if (!File.Exists(TetrisRom)) return SkipReasonPrefix + $"{TetrisRom} does not exist; " + How;
        AleLibrary.Load(LibraryPath);
        return null;
    }

    public static AleEmulator CreateTetris(int seed = 0, float repeatActionProbability = 0.25f, int maxFrames = 0) =>
        AleEmulator.Create(TetrisRom, new AleEmulatorSettings(seed, repeatActionProbability, 1, maxFrames));
}
