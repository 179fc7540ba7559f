namespace SobolevRL.Envs.Ale;

/// <summary>What ALE reads when it loads a ROM (fixed for the life of an <see cref="AleEmulator"/>, except the seed).</summary>
/// <param name="RandomSeed">Seed of ALE's generator (it draws the sticky-action repeats); ≥ 0.</param>
/// <param name="RepeatActionProbability">Probability in [0, 1] that a frame repeats the previous action (ALE's default 0.25).</param>
/// <param name="FrameSkip">Frames per <see cref="AleEmulator.Act"/>; SobolevRL keeps 1 and skips frames itself to max-pool.</param>
/// <param name="MaxNumFramesPerEpisode">Frames after which an episode is truncated; 0 for no limit.</param>
/// <param name="Mode">Game mode, or null for the game's default.</param>
/// <param name="Difficulty">Game difficulty, or null for the game's default.</param>
public sealed record AleEmulatorSettings(
    int RandomSeed,
    float RepeatActionProbability = 0.25f,
    int FrameSkip = 1,
    int MaxNumFramesPerEpisode = 0,
    int? Mode = null,
    int? Difficulty = null)
{
    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a value ALE would not accept.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(RandomSeed);
        if (!(RepeatActionProbability >= 0 && RepeatActionProbability <= 1))
            throw new ArgumentOutOfRangeException(nameof(RepeatActionProbability), RepeatActionProbability, "must be in [0, 1]");
        ArgumentOutOfRangeException.ThrowIfLessThan(FrameSkip, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxNumFramesPerEpisode);
        if (Mode < 0) throw new ArgumentOutOfRangeException(nameof(Mode), Mode, "must be >= 0 (or null for the default)");
        if (Difficulty < 0) throw new ArgumentOutOfRangeException(nameof(Difficulty), Difficulty, "must be >= 0 (or null for the default)");
    }

    internal AleNativeSettings ToNative() => new()
    {
        RandomSeed = RandomSeed,
        RepeatActionProbability = RepeatActionProbability,
        FrameSkip = FrameSkip,
        MaxNumFramesPerEpisode = MaxNumFramesPerEpisode,
        Mode = Mode ?? -1,
        Difficulty = Difficulty ?? -1,
    };
}
