using System.Reflection;

namespace SobolevRL.Cli.Infrastructure;

/// <summary>
/// Names config keys the CLI way: a key that some command takes as a flag (<c>out</c>, <c>env_threads</c>) becomes that
/// flag (<c>--out</c>, <c>--env-threads</c>); any other key (<c>loss.sobolev</c>) stays a key, set with <c>--set</c>.
/// </summary>
public static class CliFlags
{
    private static readonly HashSet<string> LongNames = typeof(CliFlags).Assembly.GetTypes()
        .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        .SelectMany(p => p.GetCustomAttributes<CommandOptionAttribute>())
        .SelectMany(a => a.LongNames)
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>The CLI's name of config key <paramref name="key"/>.</summary>
    public static string NameOf(string key)
    {
        string flag = key.Replace('_', '-');
        return LongNames.Contains(flag) ? "--" + flag : key;
    }

    /// <summary>The message of <paramref name="e"/> with its config keys named the CLI way.</summary>
    public static string Render(UserErrorException e) => e.Render(NameOf);
}
