using System.Security.Cryptography;
using System.Text.Json;
using SobolevRL.IO;
using SobolevRL.Runs;
using SobolevRL.Teachers;

namespace SobolevRL.Replay;

/// <summary>
/// Opens a dataset for reading: reads the manifest, checks every committed shard (files present, headers and sizes
/// consistent, SHA-256 equal to the manifest's unless told not to) and maps the good ones. A torn, missing or
/// checksum-failing shard, and any shard directory the manifest does not list, is reported in <see cref="Problems"/>
/// and left out: never silently used.
/// </summary>
public sealed class DatasetReader : IDisposable
{
    private readonly List<ReplayShard> _shards = [];
    private readonly long[] _firstRows;

    private DatasetReader(string directory, DatasetManifest manifest, bool verifyChecksums)
    {
        Directory = directory;
        Manifest = manifest;
        var problems = new List<string>();
        Schema = ReplaySchema.Of(manifest);
        long rows = 0;
        foreach (var shard in manifest.Shards)
        {
            string? problem = Check(directory, shard, Schema, verifyChecksums);
            if (problem != null)
            {
                problems.Add($"shard {shard.Name}: {problem}; ignored ({shard.Rows} states)");
                continue;
            }
            var arrays = shard.Sha256.Keys.ToDictionary(f => Path.GetFileNameWithoutExtension(f), f => new MappedArray(Path.Combine(directory, shard.Name, f)));
            _shards.Add(new ReplayShard(shard.Name, rows, shard.Rows, arrays));
            rows += shard.Rows;
        }
        Damaged = [.. problems];
        var listed = manifest.Shards.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (string dir in System.IO.Directory.EnumerateDirectories(directory, "shard-*").Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(dir);
            if (!listed.Contains(name)) problems.Add($"shard directory {name} is not in the manifest (never committed); ignored");
        }
        Problems = problems;
        Rows = rows;
        _firstRows = _shards.Select(s => s.FirstRow).ToArray();
        HeldOutEpisodes = manifest.HeldOutEpisodes.ToHashSet();
    }

    /// <summary>The dataset directory.</summary>
    public string Directory { get; }

    /// <summary>The manifest.</summary>
    public DatasetManifest Manifest { get; }

    /// <summary>The arrays the manifest's schema declares.</summary>
    public ReplaySchema Schema { get; }

    /// <summary>What was wrong and left out, one line each.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>The committed shards left out as damaged (torn, missing, failing their checksum), one line each; a subset of <see cref="Problems"/>.</summary>
    public IReadOnlyList<string> Damaged { get; }

    /// <summary>
    /// Throws a <see cref="UserErrorException"/> listing the damaged shards, unless there are none or
    /// <paramref name="allowDamaged"/> (then the caller warns and uses the intact ones).
    /// </summary>
    public void RefuseDamaged(bool allowDamaged, string allowHint)
    {
        if (Damaged.Count == 0 || allowDamaged) return;
        throw new UserErrorException($"dataset {Directory} has {Damaged.Count} damaged shard(s): {string.Join("; ", Damaged)}. " +
            "A damaged shard cannot be repaired in place: collect the dataset again into a new directory with the same settings " +
            $"(`sobolevrl data info {Directory}` lists them), or {allowHint}");
    }

    /// <summary>Usable shards, in order.</summary>
    public IReadOnlyList<ReplayShard> Shards => _shards;

    /// <summary>States in the usable shards.</summary>
    public long Rows { get; }

    /// <summary>Held-out episode ids.</summary>
    public IReadOnlySet<long> HeldOutEpisodes { get; }

    /// <summary>Opens <paramref name="directory"/>; throws <see cref="UserErrorException"/> when it is not a dataset or needs a newer build.</summary>
    public static DatasetReader Open(string directory, bool verifyChecksums = true) => new(directory, ReadManifest(directory), verifyChecksums);

    /// <summary>Reads and checks <c>manifest.json</c> of <paramref name="directory"/>.</summary>
    public static DatasetManifest ReadManifest(string directory)
    {
        string path = Path.Combine(directory, DatasetManifest.FileName);
        if (!File.Exists(path))
        {
            // collect refuses an existing directory, so the fix names a new one.
            bool shards = System.IO.Directory.Exists(directory) && System.IO.Directory.EnumerateDirectories(directory, "shard-*").Any();
            throw new UserErrorException(shards
                ? $"{directory} has shard folders but no {DatasetManifest.FileName} (deleted, or the collection never committed): without it the shards cannot be read or resumed; collect again into a new `out` directory"
                : $"{directory} is not a replay dataset (no {DatasetManifest.FileName}); create one by collecting into a new `out` directory (one that does not exist yet)");
        }
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new UserErrorException($"{path} is not valid JSON ({e.Message})");
        }
        using (doc)
        {
            if (!doc.RootElement.TryGetProperty("schema_version", out var v) || !v.TryGetInt32(out int version))
                throw new UserErrorException($"{path} has no schema_version: not a sobolevrl replay manifest");
            if (version > DatasetManifest.CurrentSchemaVersion)
                throw new UserErrorException($"{directory} was written with replay schema version {version}; this build reads versions up to {DatasetManifest.CurrentSchemaVersion}: update sobolevrl to read it");
            try
            {
                return doc.RootElement.Deserialize<DatasetManifest>(Json.Options) ?? throw new UserErrorException($"{path} is empty");
            }
            catch (JsonException e)
            {
                throw new UserErrorException($"{path} is not a valid replay manifest ({e.Message})");
            }
        }
    }

    /// <summary>What the dataset holds, as the contract of samplers states it.</summary>
    public DatasetSummary Summary() => new(Manifest.EnvId, Manifest.ObservationShape(), Manifest.Actions, Manifest.LabelMode(),
        CountRows(heldOut: false), CountRows(heldOut: true), Manifest.Teacher.Sha256, Manifest.Teacher.Temperature)
    { UnlabelledChannels = Manifest.UnlabelledChannels };

    /// <summary>The shard holding global row <paramref name="row"/> and the row's index in it.</summary>
    public (ReplayShard Shard, long Local) Locate(long row)
    {
        int i = Array.BinarySearch(_firstRows, row);
        if (i < 0) i = ~i - 1;
        var shard = _shards[i];
        return (shard, row - shard.FirstRow);
    }

    /// <summary>Episode id of global row <paramref name="row"/>.</summary>
    public long Episode(long row)
    {
        var (s, r) = Locate(row);
        return s[ReplayArrays.Episode].Get<long>(r);
    }

    /// <summary>True when <paramref name="episode"/> is held out.</summary>
    public bool IsHeldOut(long episode) => HeldOutEpisodes.Contains(episode);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var s in _shards) s.Dispose();
        _shards.Clear();
    }

    private long CountRows(bool heldOut)
    {
        long n = 0;
        foreach (var shard in _shards)
        {
            var ep = shard[ReplayArrays.Episode];
            for (long r = 0; r < shard.Rows; r++)
                if (HeldOutEpisodes.Contains(ep.Get<long>(r)) == heldOut) n++;
        }
        return n;
    }

    private static string? Check(string directory, ShardRecord shard, ReplaySchema schema, bool verifyChecksums)
    {
        string dir = Path.Combine(directory, shard.Name);
        if (!System.IO.Directory.Exists(dir)) return "directory is missing";
        foreach (var array in schema.Arrays)
            if (!shard.Sha256.ContainsKey(array.Name + ".npy")) return $"manifest lists no {array.Name}.npy";
        foreach (var (file, sum) in shard.Sha256)
        {
            string path = Path.Combine(dir, file);
            if (!File.Exists(path)) return $"{file} is missing";
            try
            {
                var header = NpyFile.ReadHeader(path, out long dataOffset);
                long length = new FileInfo(path).Length;
                if (length != dataOffset + header.DataBytes) return $"{file} is {length} bytes, its header says {dataOffset + header.DataBytes} (torn)";
                if (header.Shape.Length == 0 || header.Shape[0] != shard.Rows) return $"{file} has {(header.Shape.Length == 0 ? 0 : header.Shape[0])} rows, the manifest {shard.Rows}";
            }
            catch (UserErrorException e)
            {
                return e.Message + " (torn)";
            }
            if (verifyChecksums)
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
                string actual = Convert.ToHexStringLower(SHA256.HashData(stream));
                if (!string.Equals(actual, sum, StringComparison.OrdinalIgnoreCase)) return $"{file} fails its SHA-256 check";
            }
        }
        return null;
    }
}
