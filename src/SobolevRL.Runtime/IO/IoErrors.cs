namespace SobolevRL.IO;

/// <summary>
/// The one description of file-system failures a user can fix (no space left, read-only file system, permission denied,
/// missing directory): the cause in plain words and what fixes it. The CLI reports these as <c>error:</c> lines with exit
/// code 2 instead of internal errors; writers that keep committed data intact add that to the same text.
/// </summary>
public static class IoErrors
{
    // errno values (Linux); .NET puts errno in IOException.HResult for Unix I/O failures.
    private const int Eperm = 1, Eacces = 13, Enospc = 28, Erofs = 30, Edquot = 122;

    /// <summary>"cause (system message); fix" for a failure a user can fix, or null for any other exception.</summary>
    public static string? Describe(Exception e) => e switch
    {
        UnauthorizedAccessException => $"permission denied ({e.Message}); choose a directory you may write to, or fix its permissions",
        DirectoryNotFoundException => $"directory missing ({e.Message}); create it or fix the path",
        IOException { HResult: Enospc or Edquot } => $"no space left on the device ({e.Message}); free disk space or choose a directory on another disk",
        IOException { HResult: Erofs } => $"read-only file system ({e.Message}); choose a writable directory",
        IOException { HResult: Eacces or Eperm } => $"permission denied ({e.Message}); choose a directory you may write to, or fix its permissions",
        _ => null,
    };
}
