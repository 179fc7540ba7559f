using System.Globalization;
using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Ale;

/// <summary>
/// The options of an <c>ALE/…-v5</c> id, read and validated from <see cref="EnvOptions"/>. Defaults reproduce
/// Gymnasium's v5 ids under <c>AtariPreprocessing</c> (see envs/SobolevRL.Envs/Ale/README.md).
/// </summary>
public sealed record AleOptions
{
    /// <summary>Option names.</summary>
    public static class Names
    {
        /// <summary>Path of the shim library (else <c>SOBOLEVRL_ALE_LIB</c>).</summary>
        public const string AleLib = "ale_lib";
        /// <summary>ROM directory (else <c>SOBOLEVRL_ROMS</c>).</summary>
        public const string Roms = "roms";
        /// <summary>Sticky-action probability, applied by ALE per frame.</summary>
        public const string RepeatActionProbability = "repeat_action_probability";
        /// <summary>All 18 actions instead of the minimal set.</summary>
        public const string FullActionSpace = "full_action_space";
        /// <summary>Game mode.</summary>
        public const string Mode = "mode";
        /// <summary>Game difficulty.</summary>
        public const string Difficulty = "difficulty";
        /// <summary>Frames per step (max-pooled over the last two).</summary>
        public const string FrameSkip = "frame_skip";
        /// <summary>Largest number of no-op frames after a reset.</summary>
        public const string NoopMax = "noop_max";
        /// <summary>Frames after which an episode is truncated.</summary>
        public const string MaxNumFramesPerEpisode = "max_num_frames_per_episode";
        /// <summary>Side of the square observation.</summary>
        public const string ScreenSize = "screen_size";
        /// <summary>A lost life ends the episode.</summary>
        public const string EpisodicLife = "episodic_life";
        /// <summary>Rewards replaced by their sign.</summary>
        public const string ClipRewards = "clip_rewards";
        /// <summary>Number of most recent frames stacked along channels.</summary>
        public const string FrameStack = "frame_stack";
    }

    /// <summary>Shim library path given as an option (null: use <c>SOBOLEVRL_ALE_LIB</c>).</summary>
    public string? AleLib { get; init; }

    /// <summary>ROM directory given as an option (null: use <c>SOBOLEVRL_ROMS</c>).</summary>
    public string? Roms { get; init; }

    /// <summary>Probability in [0, 1] that a frame repeats the previous action (0.25, Machado et al. 2018).</summary>
    public double RepeatActionProbability { get; init; } = 0.25;

    /// <summary>All 18 actions instead of the game's minimal set.</summary>
    public bool FullActionSpace { get; init; }

    /// <summary>Game mode, or null for the game's default.</summary>
    public int? Mode { get; init; }

    /// <summary>Game difficulty, or null for the game's default.</summary>
    public int? Difficulty { get; init; }

    /// <summary>Frames per step, observation max-pooled over the last two (4).</summary>
    public int FrameSkip { get; init; } = 4;

    /// <summary>Largest number of random no-op frames after a reset (30); 0 disables them.</summary>
    public int NoopMax { get; init; } = 30;

    /// <summary>Frames after which ALE truncates the episode (108,000 = 30 minutes at 60 Hz); 0 for no limit.</summary>
    public int MaxNumFramesPerEpisode { get; init; } = 108_000;

    /// <summary>Side of the square observation after area resizing (84).</summary>
    public int ScreenSize { get; init; } = 84;

    /// <summary>A lost life ends the episode (Nature DQN training); off by default.</summary>
    public bool EpisodicLife { get; init; }

    /// <summary>Rewards replaced by their sign (Nature DQN training); off by default.</summary>
    public bool ClipRewards { get; init; }

    /// <summary>Most recent frames stacked along channels (4); 1 disables stacking.</summary>
    public int FrameStack { get; init; } = 4;

    /// <summary>Every option with its default and meaning, for listings.</summary>
    public static IReadOnlyList<(string Name, string Default, string Meaning)> Descriptions { get; } =
    [
        (Names.AleLib, $"${AleLibrary.PathVariable}", "path of libsobolevrl_ale.so (build it with `make ale ALE_DIR=...`)"),
        (Names.Roms, $"${AleRoms.DirectoryVariable}", "directory holding <rom id>.bin files, e.g. breakout.bin, space_invaders.bin"),
        (Names.RepeatActionProbability, "0.25", "sticky actions: probability in [0, 1] that ALE repeats the previous action on a frame (0 for Nature DQN's deterministic setting)"),
        (Names.FullActionSpace, "false", "all 18 ALE actions instead of the game's minimal action set"),
        (Names.Mode, "default", "game mode (an integer the game offers; held-out variants)"),
        (Names.Difficulty, "default", "game difficulty (an integer the game offers; held-out variants)"),
        (Names.FrameSkip, "4", "frames per step; the observation is the max of the last two"),
        (Names.NoopMax, "30", "after a reset, 1..noop_max random no-op frames; 0 disables"),
        (Names.MaxNumFramesPerEpisode, "108000", "frames after which the episode is truncated (0 = no limit)"),
        (Names.ScreenSize, "84", "observation side after INTER_AREA resizing"),
        (Names.EpisodicLife, "false", "a lost life ends the episode (terminated); the next reset continues the game"),
        (Names.ClipRewards, "false", "rewards replaced by their sign"),
        (Names.FrameStack, "4", "most recent frames stacked along channels (1 = no stacking)"),
    ];

    /// <summary>Reads every option from <paramref name="options"/>, validating ranges; unknown options are an error naming <paramref name="envId"/>.</summary>
    public static AleOptions Read(string envId, EnvOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var defaults = new AleOptions();
        var result = new AleOptions
        {
            AleLib = options.GetString(Names.AleLib, null),
            Roms = options.GetString(Names.Roms, null),
            RepeatActionProbability = options.GetDouble(Names.RepeatActionProbability, defaults.RepeatActionProbability, 0, 1),
            FullActionSpace = options.GetBool(Names.FullActionSpace, defaults.FullActionSpace),
            Mode = ReadOptionalLevel(options, Names.Mode),
            Difficulty = ReadOptionalLevel(options, Names.Difficulty),
            FrameSkip = options.GetInt(Names.FrameSkip, defaults.FrameSkip, 1, 1000),
            NoopMax = options.GetInt(Names.NoopMax, defaults.NoopMax, 0, 100_000),
            MaxNumFramesPerEpisode = options.GetInt(Names.MaxNumFramesPerEpisode, defaults.MaxNumFramesPerEpisode, 0),
            ScreenSize = options.GetInt(Names.ScreenSize, defaults.ScreenSize, 1, 160),
            EpisodicLife = options.GetBool(Names.EpisodicLife, defaults.EpisodicLife),
            ClipRewards = options.GetBool(Names.ClipRewards, defaults.ClipRewards),
            FrameStack = options.GetInt(Names.FrameStack, defaults.FrameStack, 1, 64),
        };
        options.ThrowIfUnused(envId, Descriptions.Select(d => d.Name));
        return result;
    }

    // "default" (or absent) keeps the game's default; otherwise a non-negative integer, checked against the game at load.
    private static int? ReadOptionalLevel(EnvOptions options, string name)
    {
        string? raw = options.GetString(name, null);
        if (raw is null || raw.Equals("default", StringComparison.OrdinalIgnoreCase)) return null;
        if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < 0)
            throw new EnvException($"env option {name}={raw} is not a non-negative integer (or 'default')");
        return value;
    }
}
