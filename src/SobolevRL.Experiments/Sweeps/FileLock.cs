using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SobolevRL.Sweeps;

/// <summary>
/// An exclusive advisory lock on a file (POSIX <c>flock</c>), held while this object lives. The kernel releases it
/// when the holding process dies, even by SIGKILL, so a killed collector or run never leaves a stale lock behind.
/// </summary>
public sealed partial class FileLock : IDisposable
{
    private const int LockExclusive = 2, LockNonBlocking = 4, WouldBlock = 11;
    private const int OpenReadWrite = 2, OpenCreate = 0x40, OpenCloseOnExec = 0x80000;
    private readonly SafeFileHandle _handle;

    private FileLock(SafeFileHandle handle, string path)
    {
        _handle = handle;
        Path = path;
    }

    /// <summary>The lock file.</summary>
    public string Path { get; }

    /// <summary>Takes the lock if no other holder has it; null when it is held elsewhere.</summary>
    public static FileLock? TryAcquire(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        // Opened with libc rather than FileStream: .NET takes flock locks of its own for FileShare, which would collide.
        int fd = Open(path, OpenReadWrite | OpenCreate | OpenCloseOnExec, 0x1A4 /* 0644 */);
        if (fd < 0) throw new IOException($"cannot open lock file '{path}' (errno {Marshal.GetLastPInvokeError()}); the directory must be writable");
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (Flock(handle, LockExclusive | LockNonBlocking) == 0) return new FileLock(handle, path);
        int errno = Marshal.GetLastPInvokeError();
        handle.Dispose();
        if (errno == WouldBlock) return null;
        throw new IOException($"cannot lock '{path}' (errno {errno}); the file system must support flock");
    }

    /// <summary>Waits until the lock is free and takes it (polling every <paramref name="poll"/>); throws when cancelled.</summary>
    public static FileLock Acquire(string path, TimeSpan poll, CancellationToken cancel = default, Action? onWait = null)
    {
        bool waited = false;
        while (true)
        {
            if (TryAcquire(path) is { } held) return held;
            if (!waited) onWait?.Invoke();
            waited = true;
            cancel.WaitHandle.WaitOne(poll);
            cancel.ThrowIfCancellationRequested();
        }
    }

    /// <summary>True when some process holds the lock now (probes by taking and releasing it).</summary>
    public static bool IsHeld(string path)
    {
        if (!File.Exists(path)) return false;
        using var probe = TryAcquire(path);
        return probe is null;
    }

    /// <summary>Releases the lock.</summary>
    public void Dispose() => _handle.Dispose();

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(SafeFileHandle fd, int operation);
}
