using System.Diagnostics;
using System.Globalization;

namespace SobolevRL.IO;

/// <summary>
/// A crash hook for tests: with <c>SOBOLEVRL_KILL_AT=N</c> in the environment the process kills itself with SIGKILL the
/// N-th time it reaches a commit point (just before or just after a file or shard directory is renamed into place), so
/// a test can crash a real <c>collect</c> or <c>distill</c> at every commit point in turn, without sleeps, and check
/// that the resume loses nothing committed. Without the variable reaching a point costs one field read.
/// </summary>
public static class KillPoint
{
    /// <summary>The environment variable naming the commit point (1-based count) to die at.</summary>
    public const string Variable = "SOBOLEVRL_KILL_AT";

    /// <summary>The new content is complete in its temporary file or directory; the rename is next.</summary>
    public const string BeforeRename = "before-rename";

    /// <summary>The rename is done; what records it (a manifest) is not written yet.</summary>
    public const string AfterRename = "after-rename";

    private static readonly long Target = ParseTarget(Environment.GetEnvironmentVariable(Variable));
    private static long _reached;

    /// <summary>Counts a commit point and, when it is the one the environment names, kills this process at once.</summary>
    public static void Reach(string point)
    {
        if (Target <= 0 || Interlocked.Increment(ref _reached) != Target) return;
        Console.Error.WriteLine($"{Variable}={Target}: killed at {point}");
        Console.Error.Flush();
        using var self = Process.GetCurrentProcess();
        self.Kill(); // SIGKILL on Unix: no finaliser, no flush, as a power cut or the OOM killer
        Thread.Sleep(Timeout.Infinite);
    }

    private static long ParseTarget(string? value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : 0;
}
