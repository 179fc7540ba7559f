namespace SobolevRL.Envs.Registry;

/// <summary>Levenshtein distance, used to suggest the id a user probably meant.</summary>
public static class EditDistance
{
    /// <summary>Minimum number of single-character insertions, deletions and substitutions turning <paramref name="a"/> into <paramref name="b"/> (case-insensitive).</summary>
    public static int Between(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            char ca = char.ToLowerInvariant(a[i - 1]);
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (ca == char.ToLowerInvariant(b[j - 1]) ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
