using System.Globalization;
using System.Text.Json;
using SobolevRL.IO;

namespace SobolevRL.Runs;

/// <summary>
/// The directory of one run: <c>config.yaml</c>, <c>metrics.csv</c>, TensorBoard events (<c>tb/</c>), plots, <c>summary.json</c>
/// and <c>report.md</c>. By default <c>runs/&lt;name&gt;-&lt;timestamp&gt;/</c>; a run never writes into another run's directory.
/// </summary>
public sealed class RunDirectory
{
    /// <summary>File name of the resolved config.</summary>
    public const string ConfigFile = "config.yaml";
    /// <summary>File name of the final figures.</summary>
    public const string SummaryFile = "summary.json";
    /// <summary>File name of the Markdown report.</summary>
    public const string ReportFile = "report.md";

    private RunDirectory(string path) => Path = path;

    /// <summary>Absolute path of the directory.</summary>
    public string Path { get; }

    /// <summary>
    /// Creates a new run directory: <paramref name="outDir"/> when given (it must not exist, or be empty, unless
    /// <paramref name="resume"/>), else <c>&lt;root&gt;/&lt;name&gt;-&lt;yyyyMMdd-HHmmss&gt;</c> with a numeric suffix if taken.
    /// </summary>
    public static RunDirectory Create(string name, string? outDir, bool resume = false, string root = "runs")
    {
        if (outDir != null)
        {
            string full = System.IO.Path.GetFullPath(outDir);
            if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any() && !resume)
                throw new UserErrorException($"run directory '{outDir}' already exists and is not empty; choose another `out`, or pass `resume` to continue it");
            if (resume && !Directory.Exists(full))
                throw new UserErrorException($"cannot resume: run directory '{outDir}' does not exist (nothing of the run was saved there); start a new run without `resume`");
            Directory.CreateDirectory(full);
            return new RunDirectory(full);
        }
        if (resume) throw new UserErrorException("`resume` needs `out` naming the run directory to continue");
        string stamp = DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        string basePath = System.IO.Path.GetFullPath(System.IO.Path.Combine(root, $"{name}-{stamp}"));
        for (int i = 0; ; i++)
        {
            string candidate = i == 0 ? basePath : $"{basePath}-{i}";
            try
            {
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(candidate)!);
                // Creating the directory is the claim: CreateDirectory succeeds on an existing one, so test first
                // and rely on the timestamp+suffix for uniqueness among concurrent runs of one user.
                if (Directory.Exists(candidate)) continue;
                Directory.CreateDirectory(candidate);
                return new RunDirectory(candidate);
            }
            catch (UnauthorizedAccessException e)
            {
                throw new UserErrorException($"cannot create run directory under '{root}': {e.Message}; pass `out` to choose a writable place");
            }
        }
    }

    /// <summary>Opens an existing run directory (for reports and evaluation).</summary>
    public static RunDirectory Open(string path)
    {
        if (!Directory.Exists(path)) throw new UserErrorException($"run directory '{path}' does not exist");
        return new RunDirectory(System.IO.Path.GetFullPath(path));
    }

    /// <summary>
    /// Takes the run's exclusive writer lock (released on dispose or when the process dies); a
    /// <see cref="UserErrorException"/> naming the holder when another process writes this run.
    /// </summary>
    public FileLock LockForWriting() => FileLock.AcquireWriter(Path);

    /// <summary>Path of a file inside the run.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes <paramref name="summary"/> as indented JSON to <c>summary.json</c> (atomically).</summary>
    public void WriteSummary<T>(T summary) => WriteAtomic(File(SummaryFile), JsonSerializer.Serialize(summary, Json.Options));

    /// <summary>Writes text to a file of the run atomically (temp file + rename).</summary>
    public static void WriteAtomic(string path, string text) => AtomicFile.WriteText(path, text);
}
