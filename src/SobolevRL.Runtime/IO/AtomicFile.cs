using System.Text;

namespace SobolevRL.IO;

/// <summary>
/// The one way files are replaced: written to <c>PATH.tmp</c> beside the target, then renamed over it, so a reader (or
/// a process killed mid-write) sees the old content or the new one, never a part of it. When writing fails (disk full,
/// read-only file system, permission) the temporary file is removed and the old file is left as it was.
/// </summary>
public static class AtomicFile
{
    /// <summary>Suffix of the temporary file (left behind only by a process killed mid-write; the next write replaces it).</summary>
    public const string TempSuffix = ".tmp";

    /// <summary>
    /// Writes <paramref name="path"/> with <paramref name="write"/>. With <paramref name="durable"/> the data reach the
    /// disk before the rename (a crash after it cannot leave an empty file); the caller syncs the directory if the
    /// rename itself must survive a power loss.
    /// </summary>
    public static void Write(string path, Action<Stream> write, bool durable = false)
    {
        string temp = path + TempSuffix;
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: durable);
            }
            KillPoint.Reach(KillPoint.BeforeRename);
            File.Move(temp, path, overwrite: true);
            KillPoint.Reach(KillPoint.AfterRename);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no byte-order mark) to <paramref name="path"/>.</summary>
    public static void WriteText(string path, string text, bool durable = false) => Write(path, stream =>
    {
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
        writer.Write(text);
    }, durable);

    private static void TryDelete(string temp)
    {
        try
        {
            File.Delete(temp);
        }
        catch (IOException)
        {
            // best effort: the original error is the one to report
        }
        catch (UnauthorizedAccessException)
        {
            // idem
        }
    }
}
