using SobolevRL.Envs.Wrappers;
using SobolevRL.Envs.Core;
using SobolevRL.Envs.Wrappers.Atari;

namespace SobolevRL.Envs.Ale;

/// <summary>
/// The <c>ALE/&lt;Game&gt;-v5</c> ids for every game ALE supports, behaving as Gymnasium's v5 ids under
/// <c>AtariPreprocessing</c>: sticky actions 0.25 inside ALE per frame, minimal action set, 108,000-frame cap, up to 30
/// no-op frames after reset, ALE grayscale, frame skip 4 with a max over the last two frames, 84×84 INTER_AREA resize.
/// Options select the Nature-DQN variants (no sticky actions, episodic life, clipped rewards), game modes and
/// difficulties, and the full action space (<see cref="AleOptions"/>). The ROM must be present at <see cref="Make"/>.
/// </summary>
public sealed class AleFamily : IEnvFamily
{
    /// <summary>The id prefix, <c>ALE/</c>.</summary>
    public const string IdPrefix = "ALE/";

    /// <summary>The id suffix, <c>-v5</c>.</summary>
    public const string IdSuffix = "-v5";

    /// <summary>The id of a game given by ROM id, e.g. <c>space_invaders</c> → <c>ALE/SpaceInvaders-v5</c>.</summary>
    public static string IdOf(string romId) => IdPrefix + AleGames.ToGameName(romId) + IdSuffix;

    /// <inheritdoc />
    public string Prefix => IdPrefix;

    /// <inheritdoc />
    public IEnumerable<(string Id, string Description)> Ids =>
        AleGames.RomIds.Select(rom => (IdOf(rom),
            $"Atari {AleGames.ToGameName(rom)} (ROM {AleRoms.FileName(rom)}), 84x84 grayscale, frame skip 4 with max-pool, sticky 0.25, up to 30 no-ops, minimal actions"));

    /// <inheritdoc />
    public IEnumerable<(string Name, string Default, string Meaning)> Options => AleOptions.Descriptions;

    /// <inheritdoc />
    public IEnv Make(string id, EnvOptions options)
    {
        ArgumentNullException.ThrowIfNull(id);
        string romId = RomIdOf(id);
        var settings = AleOptions.Read(id, options);
        string romPath = AleRoms.Find(romId, settings.Roms, Environment.GetEnvironmentVariable(AleRoms.DirectoryVariable));
        AleLibrary.Load(AleLibrary.ResolvePath(settings.AleLib, Environment.GetEnvironmentVariable(AleLibrary.PathVariable)));
        if (!AleLibrary.IsSupportedRom(romPath, out string? actualGame))
            throw new EnvException($"ALE does not support the ROM {romPath}: its MD5 is not that of the dump ALE supports for {romId} (nor, by its name, of another game). {id} needs ALE's supported dump of {romId}.");
        if (actualGame != romId)
            throw new EnvException($"the ROM {romPath} is ALE's {actualGame}, not {romId}; {id} needs {AleRoms.FileName(romId)} to hold {romId}");
        return Build(id, romPath, settings);
    }

    /// <summary>The ROM id of an <c>ALE/&lt;Game&gt;-v5</c> id; throws <see cref="EnvException"/> for an id of no supported game.</summary>
    public static string RomIdOf(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (id.StartsWith(IdPrefix, StringComparison.Ordinal) && id.EndsWith(IdSuffix, StringComparison.Ordinal))
        {
            string? romId = AleGames.FindRomId(id[IdPrefix.Length..^IdSuffix.Length]);
            if (romId is not null) return romId;
        }
        throw new EnvException($"unknown ALE id '{id}'; ids are {IdPrefix}<Game>{IdSuffix} for the {AleGames.RomIds.Count} games ALE supports, e.g. {IdOf("breakout")}, {IdOf("space_invaders")} (`sobolevrl env list` shows them all)");
    }

    // The preprocessing stack, innermost first, with the frame stack on top.
    private static IEnv Build(string id, string romPath, AleOptions settings)
    {
        var emulator = AleEmulator.Create(romPath, new AleEmulatorSettings(
            RandomSeed: (int)System.Random.Shared.NextInt64(0, int.MaxValue),
            RepeatActionProbability: (float)settings.RepeatActionProbability,
            FrameSkip: 1,
            MaxNumFramesPerEpisode: settings.MaxNumFramesPerEpisode,
            Mode: settings.Mode,
            Difficulty: settings.Difficulty));
        IEnv env = new AleEnv(emulator, id, settings.FullActionSpace);
        try
        {
            env = new NoopReset(env, settings.NoopMax);
            env = new MaxPoolFrameSkip(env, settings.FrameSkip);
            env = new AreaResize(env, settings.ScreenSize, settings.ScreenSize);
            if (settings.EpisodicLife) env = new EpisodicLife(env);
            if (settings.ClipRewards) env = new ClipReward(env);
            if (settings.FrameStack > 1) env = new FrameStack(env, settings.FrameStack);
            return env;
        }
        catch
        {
            env.Dispose();
            throw;
        }
    }
}
