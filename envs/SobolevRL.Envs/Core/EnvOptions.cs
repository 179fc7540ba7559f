using System.Globalization;

namespace SobolevRL.Envs.Core;

/// <summary>
/// Options of an environment id (e.g. <c>sticky_action_prob=0.25</c>, <c>ramping=false</c>, <c>frame_skip=4</c>),
/// as strings from config or command line, read with typed getters. Options nobody read are reported as errors by
/// <see cref="ThrowIfUnused"/>, so a typo never passes silently.
/// </summary>
public sealed class EnvOptions
{
    private readonly Dictionary<string, string> _values;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    /// <summary>Creates options from key/value pairs.</summary>
    public EnvOptions(IReadOnlyDictionary<string, string>? values = null) =>
        _values = values is null ? new(StringComparer.Ordinal) : new(values, StringComparer.Ordinal);

    /// <summary>No options.</summary>
    public static EnvOptions Empty => new();

    /// <summary>Parses <c>key=value</c> pairs (e.g. from <c>--env-option</c> flags).</summary>
    public static EnvOptions Parse(IEnumerable<string> pairs)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string pair in pairs)
        {
            int eq = pair.IndexOf('=');
            if (eq <= 0) throw new EnvException($"env option '{pair}' is not of the form key=value (e.g. sticky_action_prob=0.1)");
            values[pair[..eq].Trim()] = pair[(eq + 1)..].Trim();
        }
        return new EnvOptions(values);
    }

    /// <summary>All options as given.</summary>
    public IReadOnlyDictionary<string, string> Values => _values;

    /// <summary>Reads a double option, or <paramref name="fallback"/>; checks the range.</summary>
    public double GetDouble(string key, double fallback, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        if (!TryRead(key, out string raw)) return fallback;
        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || v < min || v > max)
            throw new EnvException($"env option {key}={raw} is not a number in [{min}, {max}]");
        return v;
    }

    /// <summary>Reads an integer option, or <paramref name="fallback"/>; checks the range.</summary>
    public int GetInt(string key, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        if (!TryRead(key, out string raw)) return fallback;
        if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < min || v > max)
            throw new EnvException($"env option {key}={raw} is not an integer in [{min}, {max}]");
        return v;
    }

    /// <summary>Reads a boolean option (true/false/1/0), or <paramref name="fallback"/>.</summary>
    public bool GetBool(string key, bool fallback)
    {
        if (!TryRead(key, out string raw)) return fallback;
        return raw.ToLowerInvariant() switch
        {
            "true" or "1" or "yes" => true,
            "false" or "0" or "no" => false,
            _ => throw new EnvException($"env option {key}={raw} is not a boolean (true or false)"),
        };
    }

    /// <summary>Reads a string option, or <paramref name="fallback"/>.</summary>
    public string? GetString(string key, string? fallback) => TryRead(key, out string raw) ? raw : fallback;

    /// <summary>Throws naming every option that no getter asked for, with the ones <paramref name="envId"/> knows.</summary>
    public void ThrowIfUnused(string envId, IEnumerable<string> known)
    {
        var unused = _values.Keys.Where(k => !_read.Contains(k)).ToList();
        if (unused.Count > 0)
            throw new EnvException($"unknown env option(s) {string.Join(", ", unused)} for {envId}; known options: {string.Join(", ", known)}");
    }

    private bool TryRead(string key, out string raw)
    {
        _read.Add(key);
        return _values.TryGetValue(key, out raw!);
    }
}
