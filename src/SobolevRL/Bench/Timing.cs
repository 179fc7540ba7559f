using System.Diagnostics;

namespace SobolevRL.Bench;

/// <summary>Repetition timing with the same rule as the PyTorch peer: two warm-up calls, then at least <c>minSeconds</c> and 5 calls.</summary>
public static class Timing
{
    /// <summary>Calls per second of <paramref name="call"/>.</summary>
    public static double CallsPerSecond(Action call, double minSeconds)
    {
        call();
        call();
        int n = 0;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            call();
            n++;
            double elapsed = clock.Elapsed.TotalSeconds;
            if (elapsed >= minSeconds && n >= 5) return n / elapsed;
        }
    }
}
