namespace SobolevRL.Envs.Play;

/// <summary>How one played episode went.</summary>
/// <param name="Episode">Index of the episode, from 0.</param>
/// <param name="Return">Sum of the rewards the environment gave.</param>
/// <param name="Length">Steps taken.</param>
/// <param name="Truncated">True when it was cut short (by the environment or the player's step limit) rather than ending in the game.</param>
public sealed record EpisodeOutcome(int Episode, double Return, int Length, bool Truncated);

/// <summary>The episodes of one <see cref="EnvPlayer.Play"/> call and their summary.</summary>
/// <param name="Episodes">One entry per episode, in order.</param>
/// <param name="GifFrames">Frames written to the GIF, 0 when none was asked for.</param>
public sealed record PlayResult(IReadOnlyList<EpisodeOutcome> Episodes, int GifFrames)
{
    /// <summary>Mean return.</summary>
    public double MeanReturn => Episodes.Count == 0 ? double.NaN : Episodes.Average(e => e.Return);

    /// <summary>Population standard deviation of the returns.</summary>
    public double StdReturn => Episodes.Count == 0 ? double.NaN : Math.Sqrt(Episodes.Average(e => (e.Return - MeanReturn) * (e.Return - MeanReturn)));

    /// <summary>Mean episode length.</summary>
    public double MeanLength => Episodes.Count == 0 ? double.NaN : Episodes.Average(e => e.Length);
}
