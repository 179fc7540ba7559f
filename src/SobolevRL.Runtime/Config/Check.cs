using System.Globalization;

namespace SobolevRL.Config;

/// <summary>Range checks for config values that throw a <see cref="UserErrorException"/> naming the key.</summary>
public static class Check
{
    /// <summary>Requires <paramref name="value"/> &gt; 0.</summary>
    public static void Positive(double value, string key)
    {
        if (!(value > 0)) throw Error(key, value, "must be > 0");
    }

    /// <summary>Requires <paramref name="value"/> ≥ 0.</summary>
    public static void NonNegative(double value, string key)
    {
        if (!(value >= 0)) throw Error(key, value, "must be >= 0");
    }

    /// <summary>Requires <paramref name="min"/> ≤ <paramref name="value"/> ≤ <paramref name="max"/>.</summary>
    public static void InRange(double value, double min, double max, string key)
    {
        if (!(value >= min && value <= max)) throw Error(key, value, $"must be in [{Format(min)}, {Format(max)}]");
    }

    /// <summary>Requires <paramref name="value"/> to be one of <paramref name="allowed"/>.</summary>
    public static void OneOf(string value, IReadOnlyCollection<string> allowed, string key)
    {
        if (!allowed.Contains(value))
            throw new UserErrorException($"config {key}: '{value}' is not one of {string.Join(", ", allowed)}");
    }

    /// <summary>Requires a non-empty list.</summary>
    public static void NotEmpty<T>(IReadOnlyCollection<T> values, string key)
    {
        if (values.Count == 0) throw new UserErrorException($"config {key}: must not be empty");
    }

    private static UserErrorException Error(string key, double value, string rule) =>
        new($"config {key}: {Format(value)} {rule}");

    private static string Format(double v) => v.ToString("G", CultureInfo.InvariantCulture);
}
