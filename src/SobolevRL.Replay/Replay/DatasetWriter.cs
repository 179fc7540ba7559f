using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using SobolevRL.IO;
using SobolevRL.Runs;

namespace SobolevRL.Replay;

/// <summary>
/// Appends shards to a dataset directory, crash-safely: a shard is written under <c>shard-NNNNNN.tmp/</c>, every file
/// fsynced, the directory renamed to <c>shard-NNNNNN/</c>, and only then the manifest replaced atomically (temp file,
/// fsync, rename). A crash at any point leaves the last committed manifest and its shards intact; anything not in the
/// manifest is ignored by readers and removed by <see cref="Resume"/>. The writer holds the dataset's exclusive
/// <see cref="FileLock.AcquireWriter">writer lock</see> until disposed, so two collections never write one dataset.
/// </summary>
public sealed class DatasetWriter : IDisposable
{
    private readonly FileLock _lock;
    private volatile DatasetManifest _manifest;
    private ShardBuffer _spare;
    private Task? _committing;
    private int _committingRows;
    // Guards the pair (_manifest, _committingRows): a background commit publishes its manifest and clears the rows it
    // was committing in one step, so States never counts those rows twice (which stopped a collection short of its
    // target and marked it complete) nor drops them.
    private readonly Lock _countLock = new();

    private DatasetWriter(string directory, DatasetManifest manifest, FileLock held)
    {
        _lock = held;
        Directory = directory;
        _manifest = manifest;
        Pending = new ShardBuffer(ReplaySchema.Of(manifest));
        _spare = Pending.EmptyLike();
    }

    /// <summary>The dataset directory.</summary>
    public string Directory { get; }

    /// <summary>The manifest as last committed.</summary>
    public DatasetManifest Manifest => _manifest;

    /// <summary>Rows waiting for the next commit.</summary>
    public ShardBuffer Pending { get; private set; }

    /// <summary>Committed plus being committed plus pending states.</summary>
    public long States
    {
        get
        {
            lock (_countLock) return _manifest.States + _committingRows + Pending.Rows;
        }
    }

    /// <summary>Creates a new dataset; refuses an existing directory (use <see cref="Resume"/> to continue one).</summary>
    public static DatasetWriter Create(string directory, DatasetManifest manifest)
    {
        if (System.IO.Directory.Exists(directory) || File.Exists(directory))
            throw new UserErrorException($"output directory {directory} already exists; choose a new `out`, or pass `resume` to continue the collection in it");
        System.IO.Directory.CreateDirectory(directory);
        var writer = new DatasetWriter(directory, manifest with { Shards = [], SchemaVersion = DatasetManifest.CurrentSchemaVersion }, FileLock.AcquireWriter(directory));
        try
        {
            WriteManifest(directory, writer._manifest);
        }
        catch
        {
            writer.Dispose();
            throw;
        }
        return writer;
    }

    /// <summary>
    /// Opens a dataset to append to. Shard directories that the manifest does not list (a shard renamed just before a
    /// crash, or a temporary one) are deleted and named in <paramref name="removed"/>: their states are collected again.
    /// </summary>
    public static DatasetWriter Resume(string directory, out IReadOnlyList<string> removed)
    {
        var held = FileLock.AcquireWriter(directory);
        try
        {
            return OpenLocked(directory, held, out removed);
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    private static DatasetWriter OpenLocked(string directory, FileLock held, out IReadOnlyList<string> removed)
    {
        DatasetManifest manifest;
        using (var check = DatasetReader.Open(directory))
        {
            check.RefuseDamaged(allowDamaged: false, "move the dataset aside and keep it for reading only");
            manifest = check.Manifest;
        }
        // Only the shard the last commit was writing may be removed unasked: any other folder the manifest does not
        // list was not written by this collection, and deleting it would lose someone's data.
        string next = ShardName(manifest.Shards.Count);
        var listed = manifest.Shards.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var unlisted = System.IO.Directory.EnumerateDirectories(directory, "shard-*").Select(Path.GetFileName).OfType<string>()
            .Where(name => !listed.Contains(name)).Order(StringComparer.Ordinal).ToList();
        var foreign = unlisted.Where(name => name != next && name != next + ".tmp").ToList();
        if (foreign.Count > 0)
            throw new UserErrorException($"{directory} holds folders the manifest does not list and the last commit did not write: {string.Join(", ", foreign)}; move them out of the dataset directory, then resume again");
        var gone = new List<string>();
        foreach (string name in unlisted)
        {
            System.IO.Directory.Delete(Path.Combine(directory, name), recursive: true);
            gone.Add(name);
        }
        foreach (string tmp in System.IO.Directory.EnumerateFiles(directory, "*" + AtomicFile.TempSuffix)) File.Delete(tmp);
        removed = gone;
        return new DatasetWriter(directory, manifest, held);
    }

    /// <summary>Waits for a background commit, then releases the writer lock.</summary>
    public void Dispose()
    {
        try
        {
            WaitForCommit();
        }
        catch (IOException)
        {
            // the commit's error was (or will be) reported by Commit; the lock must be released regardless
        }
        finally
        {
            _lock.Dispose();
        }
    }

    /// <summary>
    /// Commits <paramref name="targetStates"/> as the collection's target (and completeness against it) when it differs
    /// from the manifest's, before any new state is collected: a kill after it leaves a dataset whose target is the one
    /// a plain <c>collect --resume</c> continues to and <c>data info</c> reports.
    /// </summary>
    public void Retarget(long targetStates)
    {
        WaitForCommit();
        if (targetStates == _manifest.Collection.TargetStates) return;
        var next = _manifest with
        {
            Collection = _manifest.Collection with { TargetStates = targetStates },
            Complete = _manifest.Complete && _manifest.States >= targetStates,
        };
        WriteManifest(Directory, next);
        _manifest = next;
    }

    /// <summary>
    /// Writes the pending rows (if any) as the next shard and commits a manifest with <paramref name="inFlight"/>,
    /// <paramref name="partialEpisodes"/> added and <paramref name="complete"/>. On an I/O error (e.g. disk full) the
    /// temporary shard is removed, the committed dataset is unchanged, and the <see cref="IOException"/> propagates.
    /// </summary>
    public void Commit(IReadOnlyList<SlotProgress> inFlight, IEnumerable<long> partialEpisodes, bool complete)
    {
        WaitForCommit();
        CommitBuffer(Pending, inFlight, partialEpisodes, complete);
    }

    /// <summary>
    /// Like <see cref="Commit"/>, but writes on a background thread while new rows go to a fresh <see cref="Pending"/>
    /// buffer. It first waits for the previous background commit (so commits stay in order) and rethrows its
    /// <see cref="IOException"/>, if any. <paramref name="inFlight"/> must describe the rows pending now.
    /// </summary>
    public void CommitInBackground(IReadOnlyList<SlotProgress> inFlight, IEnumerable<long> partialEpisodes, bool complete)
    {
        WaitForCommit();
        var full = Pending;
        var partial = partialEpisodes.ToList();
        Pending = _spare;
        lock (_countLock) _committingRows = full.Rows;
        _committing = Task.Run(() =>
        {
            try
            {
                CommitBuffer(full, inFlight, partial, complete);
            }
            finally
            {
                full.Clear();
                _spare = full;
                lock (_countLock) _committingRows = 0; // already 0 after a commit; after a failure the rows were not committed

            }
        });
    }

    /// <summary>Waits for a background commit to finish; rethrows its error (e.g. the <see cref="IOException"/> of a full disk).</summary>
    public void WaitForCommit()
    {
        var task = _committing;
        if (task == null) return;
        _committing = null;
        try
        {
            task.Wait();
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException!).Throw();
        }
    }

    private void CommitBuffer(ShardBuffer buffer, IReadOnlyList<SlotProgress> inFlight, IEnumerable<long> partialEpisodes, bool complete)
    {
        var shards = new List<ShardRecord>(_manifest.Shards);
        if (buffer.Rows > 0) shards.Add(WriteShard(shards.Count, buffer));
        var heldOut = new SortedSet<long>(_manifest.HeldOutEpisodes);
        heldOut.UnionWith(buffer.HeldOutEpisodes);
        var partial = new SortedSet<long>(_manifest.PartialEpisodes);
        partial.UnionWith(partialEpisodes);
        var next = _manifest with
        {
            Shards = shards,
            HeldOutEpisodes = [.. heldOut],
            PartialEpisodes = [.. partial],
            InFlight = [.. inFlight],
            TrainStates = _manifest.TrainStates + buffer.Rows - buffer.HeldOutRows,
            HeldOutStates = _manifest.HeldOutStates + buffer.HeldOutRows,
            Complete = complete,
        };
        WriteManifest(Directory, next);
        lock (_countLock)
        {
            _manifest = next;
            _committingRows = 0;
        }
        buffer.Clear();
    }

    /// <summary>Name of shard <paramref name="index"/>.</summary>
    public static string ShardName(int index) => string.Create(CultureInfo.InvariantCulture, $"shard-{index:D6}");

    private ShardRecord WriteShard(int index, ShardBuffer buffer)
    {
        string name = ShardName(index);
        string final = Path.Combine(Directory, name);
        string temp = final + AtomicFile.TempSuffix;
        if (System.IO.Directory.Exists(temp)) System.IO.Directory.Delete(temp, recursive: true);
        if (System.IO.Directory.Exists(final)) System.IO.Directory.Delete(final, recursive: true); // not in the manifest: never committed
        try
        {
            System.IO.Directory.CreateDirectory(temp);
            var sums = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (array, header, data) in buffer.Arrays())
            {
                string file = array + ".npy";
                NpyFile.WriteDurable(Path.Combine(temp, file), header, data.Span);
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                hash.AppendData(header.Encode());
                hash.AppendData(data.Span);
                sums[file] = Convert.ToHexStringLower(hash.GetHashAndReset());
            }
            FsyncDirectory(temp);
            KillPoint.Reach(KillPoint.BeforeRename);
            System.IO.Directory.Move(temp, final);
            FsyncDirectory(Directory);
            KillPoint.Reach(KillPoint.AfterRename);
            return new ShardRecord { Name = name, Rows = buffer.Rows, Sha256 = sums };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            TryDelete(final);
            throw;
        }
    }

    private static void WriteManifest(string directory, DatasetManifest manifest)
    {
        AtomicFile.Write(Path.Combine(directory, DatasetManifest.FileName), stream => JsonSerializer.Serialize(stream, manifest, Json.Options), durable: true);
        FsyncDirectory(directory);
    }

    /// <summary>Flushes a directory's entries (renames, new files) to disk; a no-op where directories cannot be opened.</summary>
    private static void FsyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        int fd = PosixFiles.open(directory, 0 /* O_RDONLY */);
        if (fd < 0) return;
        PosixFiles.fsync(fd);
        PosixFiles.close(fd);
    }

    private static void TryDelete(string dir)
    {
        try
        {
            if (System.IO.Directory.Exists(dir)) System.IO.Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a leftover directory not in the manifest is ignored by readers and removed on resume
        }
    }
}
