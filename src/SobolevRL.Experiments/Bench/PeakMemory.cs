using System.Globalization;
using System.Runtime.InteropServices;

namespace SobolevRL.Bench;

/// <summary>
/// Peak resident memory of the process during an action, from Linux's high-water mark: freed heap memory is returned
/// to the system first (glibc <c>malloc_trim</c>), the mark is reset (<c>/proc/self/clear_refs</c>), and the peak
/// (<c>VmHWM</c>) less the resident set before is what the action needed at most. libtorch's CPU allocator keeps no
/// cache and TorchSharp 0.107 exposes no allocator statistics, so on the CPU this is the measure; it includes the
/// allocator's own overhead and whatever other threads of the process allocate meanwhile.
/// </summary>
public static class PeakMemory
{
    /// <summary>Bytes the resident set rose above its level before <paramref name="action"/> at most, or null where Linux's counters are missing.</summary>
    public static long? During(Action action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Trim();
        long? before = Status("VmRSS");
        bool reset = ResetHighWaterMark();
        action();
        long? peak = Status("VmHWM");
        return reset && before is { } b && peak is { } p ? Math.Max(0, p - b) : null;
    }

    /// <summary>A value of <c>/proc/self/status</c> in bytes (e.g. <c>VmRSS</c>), or null.</summary>
    public static long? Status(string field)
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path)) return null;
        foreach (string line in File.ReadLines(path))
        {
            if (!line.StartsWith(field + ":", StringComparison.Ordinal)) continue;
            string[] parts = line[(field.Length + 1)..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long kb) ? kb * 1024 : null;
        }
        return null;
    }

    private static bool ResetHighWaterMark()
    {
        try
        {
            // "5" resets the peak resident set size to the current one (Linux ≥ 4.0).
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void Trim()
    {
        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc: the before level may then include freed memory the allocator keeps.
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
