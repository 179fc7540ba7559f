using System.Globalization;

namespace SobolevRL.Bench;

/// <summary>The machine's load average, reported beside every benchmark figure (timings under load mean little alone).</summary>
public static class LoadAverage
{
    /// <summary>The 1-minute load average, or null where <c>/proc/loadavg</c> does not exist.</summary>
    public static double? OneMinute()
    {
        const string path = "/proc/loadavg";
        if (!File.Exists(path)) return null;
        string first = File.ReadAllText(path).Split(' ')[0];
        return double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : null;
    }

    /// <summary>The 1-, 5- and 15-minute load averages as the kernel prints them, or "n/a".</summary>
    public static string Text() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
