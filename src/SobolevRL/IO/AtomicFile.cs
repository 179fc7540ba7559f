namespace SobolevRL.IO;

/// <summary>
/// Replaces a file atomically: the content goes to <c>PATH.tmp</c>, is flushed (to the disk when asked), and is renamed
/// over <c>PATH</c>. A reader sees the old file or the new one, never a torn one; when writing fails (disk full,
/// read-only file system, permission) the temporary file is removed and the old file is left as it was.
/// </summary>
public static class AtomicFile
{
    /// <summary>Suffix of the temporary file beside the target.</summary>
    public const string TempSuffix = ".tmp";

    /// <summary>Writes <paramref name="path"/> with <paramref name="write"/>; <paramref name="durable"/> fsyncs the content before the rename.</summary>
    public static void Write(string path, Action<FileStream> write, bool durable = false)
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

    /// <summary>Writes <paramref name="text"/> (UTF-8) to <paramref name="path"/> atomically.</summary>
    public static void WriteText(string path, string text, bool durable = false) =>
        Write(path, stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(text)), durable);

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
