using System.IO.Compression;

namespace SobolevRL.IO;

/// <summary>Reads and writes .npz archives: a zip of .npy members, one per named array (as <c>numpy.savez</c> writes).</summary>
public static class NpzFile
{
    /// <summary>
    /// Writes the named arrays to <paramref name="path"/> atomically; members are stored uncompressed unless
    /// <paramref name="compress"/> (then deflated, as <c>numpy.savez_compressed</c>).
    /// </summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, NpyArray>> arrays, bool compress = false)
    {
        AtomicFile.Write(path, file =>
        {
            using var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true);
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (name, array) in arrays)
            {
                if (!names.Add(name)) throw new ArgumentException($"array name '{name}' appears twice", nameof(arrays));
                var entry = zip.CreateEntry(name + ".npy", compress ? CompressionLevel.Optimal : CompressionLevel.NoCompression);
                using Stream stream = entry.Open();
                NpyFile.Write(stream, array);
            }
        });
    }

    /// <summary>Reads every array of an .npz archive, keyed by name (without <c>.npy</c>).</summary>
    public static Dictionary<string, NpyArray> Read(string path)
    {
        if (!File.Exists(path)) throw new UserErrorException($"archive '{path}' not found");
        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new UserErrorException($"'{path}' is not an .npz archive (zip of .npy arrays): {e.Message}");
        }
        using (zip)
        {
            var result = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
            foreach (ZipArchiveEntry entry in zip.Entries)
            {
                if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal)) continue;
                string name = entry.FullName[..^4];
                try
                {
                    using Stream stream = entry.Open();
                    result[name] = NpyFile.Read(stream, $"{path}:{entry.FullName}");
                }
                catch (InvalidDataException e)
                {
                    throw new UserErrorException($"'{path}': member '{entry.FullName}' is damaged: {e.Message}");
                }
            }
            return result;
        }
    }
}
