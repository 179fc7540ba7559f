using SobolevRL.IO;
using SobolevRL.Runs;

namespace SobolevRL.Sweeps;

/// <summary>
/// Content-addressed datasets shared by the runs of a sweep: <c>ROOT/HASH/</c> is the dataset, <c>ROOT/HASH.done</c>
/// marks it complete, <c>ROOT/HASH.lock</c> serialises its production. Whoever holds the lock collects (resuming a
/// partial directory a killed collector left); everyone else waits, then reuses the result. The lock is a
/// <see cref="FileLock"/>, so it dies with its holder.
/// </summary>
/// <param name="root">Directory holding the datasets.</param>
public sealed class DatasetStore(string root)
{
    /// <summary>Directory holding the datasets.</summary>
    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>Directory of the dataset with content hash <paramref name="hash"/>.</summary>
    public string DirectoryOf(string hash) => Path.Combine(Root, hash);

    /// <summary>True when the dataset with content hash <paramref name="hash"/> is complete.</summary>
    public bool IsComplete(string hash) => File.Exists(Path.Combine(Root, hash + ".done"));

    /// <summary>
    /// Returns the directory of dataset <paramref name="hash"/>, producing it first when needed. <paramref name="produce"/>
    /// gets the directory and whether a partial one exists (resume) and returns an exit code (0: complete).
    /// </summary>
    public string Ensure(string hash, string description, Func<string, bool, int> produce, Action<string>? log = null, CancellationToken cancel = default)
    {
        string dir = DirectoryOf(hash);
        if (IsComplete(hash)) return dir;
        Directory.CreateDirectory(Root);
        using var held = FileLock.Acquire(Path.Combine(Root, hash + ".lock"), TimeSpan.FromMilliseconds(250), cancel,
            () => log?.Invoke($"dataset {hash} is being produced by another run; waiting"));
        if (IsComplete(hash))
        {
            log?.Invoke($"dataset {hash}: reusing {dir}");
            return dir;
        }
        bool resume = Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any();
        log?.Invoke($"dataset {hash}: {(resume ? "resuming" : "producing")} {description} in {dir}");
        int code = produce(dir, resume);
        if (code != 0) throw new DatasetProductionException($"producing dataset {hash} ({description}) failed with exit code {code}; see the log above");
        RunDirectory.WriteAtomic(Path.Combine(Root, hash + ".done"), description + "\n");
        return dir;
    }
}

/// <summary>A dataset could not be produced; the run that needed it fails, the others go on.</summary>
public sealed class DatasetProductionException(string message) : Exception(message);
