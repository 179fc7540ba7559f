using System.Runtime.InteropServices;

namespace SobolevRL.Collection;

/// <summary>
/// CPU time of the calling thread (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>): what env stepping costs, separate from the
/// labelling threads of the same process, and less disturbed by other processes than wall time.
/// </summary>
public static class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3; // linux/time.h

    /// <summary>Seconds of CPU the calling thread has used; 0 where the clock is unavailable.</summary>
    public static double Seconds()
    {
        if (!OperatingSystem.IsLinux()) return 0;
        return clock_gettime(ClockThreadCpuTimeId, out var t) == 0 ? t.Seconds + t.Nanoseconds * 1e-9 : 0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc")]
    private static extern int clock_gettime(int clockId, out TimeSpec time);
}
