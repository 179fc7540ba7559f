using System.Runtime.InteropServices;

namespace SobolevRL.Replay;

/// <summary>The few libc calls .NET does not expose: fsync of a directory, and dropping mapped pages from the resident set.</summary>
internal static partial class PosixFiles
{
    /// <summary>madvise advice: the pages may be dropped from this process (file-backed pages stay in the page cache).</summary>
    public const int MadvDontNeed = 4;

#pragma warning disable IDE1006, SYSLIB1054 // libc names
    [DllImport("libc", SetLastError = true)]
    public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    public static extern int fsync(int fd);

    [DllImport("libc", SetLastError = true)]
    public static extern int close(int fd);

    [DllImport("libc", SetLastError = true)]
    public static extern int madvise(IntPtr address, UIntPtr length, int advice);
#pragma warning restore IDE1006, SYSLIB1054
}
