namespace SobolevRL.Envs.Core;

/// <summary>
/// The info of the last <see cref="IEnv.Reset"/> or <see cref="IEnv.Step"/>: named numbers, owned and reused
/// by the environment (cleared, not reallocated, on every call). Copy what you need to keep.
/// </summary>
public sealed class EnvInfo
{
    private readonly Dictionary<string, double> _values = new(StringComparer.Ordinal);

    /// <summary>The entries of the last call.</summary>
    public IReadOnlyDictionary<string, double> Values => _values;

    /// <summary>Sets an entry.</summary>
    public void Set(string key, double value) => _values[key] = value;

    /// <summary>Returns an entry, or null when absent.</summary>
    public double? Get(string key) => _values.TryGetValue(key, out double v) ? v : null;

    /// <summary>Removes every entry (called by environments at the start of each reset/step).</summary>
    public void Clear() => _values.Clear();

    /// <summary>Copies every entry from <paramref name="other"/>, replacing the current ones.</summary>
    public void CopyFrom(EnvInfo other)
    {
        _values.Clear();
        foreach (var (k, v) in other._values) _values[k] = v;
    }
}

/// <summary>Well-known <see cref="EnvInfo"/> keys.</summary>
public static class InfoKeys
{
    /// <summary>Lives left (Atari).</summary>
    public const string Lives = "lives";
    /// <summary>Return of the episode that just ended (set by the episode-statistics wrapper on its last step).</summary>
    public const string EpisodeReturn = "episode_return";
    /// <summary>Length in steps of the episode that just ended (episode-statistics wrapper).</summary>
    public const string EpisodeLength = "episode_length";
    /// <summary>Frames emulated since reset (Atari).</summary>
    public const string EpisodeFrameNumber = "episode_frame_number";
}
