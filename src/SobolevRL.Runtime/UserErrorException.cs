using System.Text.RegularExpressions;

namespace SobolevRL;

/// <summary>
/// An error the user caused and can fix (bad file, bad config value, unknown game, shape mismatch, ...).
/// Its message names the problem and the fix in one line; the CLI prints it without a stack trace.
/// Settings are named by their config key written with <see cref="Key"/> (<c>`data`</c>, <c>`loss.sobolev`</c>):
/// the library knows no front end, and each front end names a key its own way (<see cref="Render"/>; the CLI: its flag).
/// </summary>
public sealed partial class UserErrorException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>A setting's config key as written inside a message (<c>`key`</c>), for a front end to rename.</summary>
    public static string Key(string key) => $"`{key}`";

    /// <summary>The message with every <see cref="Key"/> replaced by <paramref name="nameOf"/>(key).</summary>
    public string Render(Func<string, string> nameOf) => KeyPattern().Replace(Message, m => nameOf(m.Groups[1].Value));

    [GeneratedRegex(@"`([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)`")]
    private static partial Regex KeyPattern();
}
