using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SobolevRL.IO;

/// <summary>
/// An exclusive advisory lock on a file (POSIX <c>flock</c>), held while this object lives. The kernel releases it
/// when the holding process dies, even by SIGKILL, so a killed collector or run never leaves a stale lock behind.
/// Every directory being written (a dataset by <c>collect</c>, a run by <c>distill</c>, <c>eval</c> or <c>report</c>)
/// holds its <see cref="WriterFileName"/> through <see cref="AcquireWriter"/>, which records the holder's PID and
/// command so a second writer is told who has it.
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

    /// <summary>File name of the writer lock inside a directory being written.</summary>
    public const string WriterFileName = "writer.lock";

    /// <summary>The lock file.</summary>
    public string Path { get; }

    /// <summary>Takes the lock if no other holder has it; null when it is held elsewhere.</summary>
    public static FileLock? TryAcquire(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        // Opened with libc rather than FileStream: .NET takes flock locks of its own for FileShare, which would collide.
        int fd = Open(path, OpenReadWrite | OpenCreate | OpenCloseOnExec, 0x1A4 /* 0644 */);
        // errno as HResult, as .NET's own I/O errors carry it, so IoErrors names a read-only or full file system.
        if (fd < 0 && Marshal.GetLastPInvokeError() is var openErrno) throw new IOException($"cannot open lock file '{path}' (errno {openErrno}); the directory must be writable", openErrno);
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (Flock(handle, LockExclusive | LockNonBlocking) == 0) return new FileLock(handle, path);
        int errno = Marshal.GetLastPInvokeError();
        handle.Dispose();
        if (errno == WouldBlock) return null;
        throw new IOException($"cannot lock '{path}' (errno {errno}); the file system must support flock", errno);
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

    /// <summary>
    /// Takes the exclusive writer lock of <paramref name="directory"/> (which must exist) and records this process in
    /// it; a <see cref="UserErrorException"/> naming the holder's PID and command when another process writes there.
    /// </summary>
    public static FileLock AcquireWriter(string directory)
    {
        string path = System.IO.Path.Combine(directory, WriterFileName);
        var held = TryAcquire(path) ?? throw new UserErrorException(BusyMessage(directory));
        try
        {
            // Truncated first: a shorter record must not keep the tail of a previous holder's.
            RandomAccess.SetLength(held._handle, 0);
            RandomAccess.Write(held._handle, System.Text.Encoding.UTF8.GetBytes(ThisProcess()), 0);
        }
        catch (IOException)
        {
            // The record only improves the message a second writer gets; the lock itself is held.
        }
        return held;
    }

    /// <summary>
    /// Throws the error <see cref="AcquireWriter"/> would when another process writes <paramref name="directory"/>
    /// now, so a command refuses before it starts work (it takes the lock itself later).
    /// </summary>
    public static void ThrowIfWriterBusy(string directory)
    {
        string path = System.IO.Path.Combine(directory, WriterFileName);
        if (!File.Exists(path)) return;
        using var probe = TryAcquire(path);
        if (probe is null) throw new UserErrorException(BusyMessage(directory));
    }

    private static string BusyMessage(string directory)
    {
        string holder = WriterRecord(directory);
        return $"{directory} is being written by another process ({(holder.Length > 0 ? holder : "PID unknown")}); wait for it to finish or stop it, then run again (the lock is released when that process ends, even if killed)";
    }

    private static string ThisProcess()
    {
        var args = Environment.GetCommandLineArgs();
        return $"PID {Environment.ProcessId}: sobolevrl {string.Join(' ', args.Skip(1))}";
    }

    /// <summary>
    /// The record of the last process that took the writer lock of <paramref name="directory"/> ("PID n: command"), or
    /// "" when there is none. Read with libc, not FileStream: FileStream takes a flock of its own, which the holder's blocks.
    /// </summary>
    public static string WriterRecord(string directory)
    {
        string path = System.IO.Path.Combine(directory, WriterFileName);
        int fd = Open(path, OpenCloseOnExec, 0);
        if (fd < 0) return "";
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        var buffer = new byte[4096];
        int read = RandomAccess.Read(handle, buffer, 0);
        return System.Text.Encoding.UTF8.GetString(buffer, 0, read).Trim();
    }

    /// <summary>Releases the lock.</summary>
    public void Dispose() => _handle.Dispose();

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(SafeFileHandle fd, int operation);
}
