using System.Runtime.InteropServices;

namespace SobolevRL.Replay;

/// <summary>The few libc calls .NET does not expose: fsync of a directory, dropping mapped pages from the resident set, malloc tuning.</summary>
public static partial class PosixFiles
{
    private const int MallocTrimThreshold = -1, MallocMmapThreshold = -3; // mallopt parameters (glibc malloc.h)
    private static int _heapTuned;

    /// <summary>
    /// Makes glibc keep blocks up to 128 MB in its heap instead of mapping fresh pages for each (its default past a few
    /// MB): every replay batch allocates tensors of several MB, and page-faulting fresh zero pages for them cost more
    /// than building the batch. Process-wide and idempotent; a no-op off glibc.
    /// </summary>
    public static void KeepLargeAllocationsInHeap()
    {
        if (!OperatingSystem.IsLinux() || Interlocked.Exchange(ref _heapTuned, 1) == 1) return;
        try
        {
            mallopt(MallocMmapThreshold, 128 << 20);
            mallopt(MallocTrimThreshold, 256 << 20);
        }
        catch (EntryPointNotFoundException)
        {
            // not glibc (e.g. musl): keep its defaults
        }
    }

    /// <summary>madvise advice: the pages may be dropped from this process (file-backed pages stay in the page cache).</summary>
    internal const int MadvDontNeed = 4;

#pragma warning disable IDE1006, SYSLIB1054 // libc names
    [DllImport("libc", SetLastError = true)]
    internal static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    internal static extern int fsync(int fd);

    [DllImport("libc", SetLastError = true)]
    internal static extern int close(int fd);

    [DllImport("libc")]
    private static extern int mallopt(int param, int value);

    [DllImport("libc", SetLastError = true)]
    internal static extern int madvise(IntPtr address, UIntPtr length, int advice);
#pragma warning restore IDE1006, SYSLIB1054
}
