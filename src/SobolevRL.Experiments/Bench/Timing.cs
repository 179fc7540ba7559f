using System.Diagnostics;

namespace SobolevRL.Bench;

/// <summary>Repetition timing with the same rule as the PyTorch peer: two warm-up calls, then at least <c>minSeconds</c> and 5 calls.</summary>
public static class Timing
{
    /// <summary>Calls per second of <paramref name="call"/>.</summary>
    public static double CallsPerSecond(Action call, double minSeconds) => Measure(call, minSeconds).CallsPerSecond;

    /// <summary>
    /// Calls per second of <paramref name="call"/> and this process's CPU milliseconds per call (user + system, all
    /// threads), which other processes on a loaded machine disturb less than wall time.
    /// </summary>
    public static (double CallsPerSecond, double CpuMsPerCall) Measure(Action call, double minSeconds)
    {
        call();
        call();
        int n = 0;
        using var process = Process.GetCurrentProcess();
        TimeSpan cpu0 = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            call();
            n++;
            double elapsed = clock.Elapsed.TotalSeconds;
            if (elapsed >= minSeconds && n >= 5)
            {
                process.Refresh();
                return (n / elapsed, (process.TotalProcessorTime - cpu0).TotalMilliseconds / n);
            }
        }
    }
}
