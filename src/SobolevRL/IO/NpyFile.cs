namespace SobolevRL.IO;

/// <summary>Reads and writes single arrays in numpy's .npy format (readable by <c>numpy.load</c>, also with <c>mmap_mode</c>).</summary>
public static class NpyFile
{
    static NpyFile()
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException(".npy I/O assumes a little-endian machine");
    }

    /// <summary>Writes <paramref name="array"/> to <paramref name="path"/> atomically (temp file + rename).</summary>
    public static void Write(string path, NpyArray array)
    {
        AtomicFile.Write(path, stream => Write(stream, array));
    }

    /// <summary>Writes header and data of <paramref name="array"/> to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, NpyArray array)
    {
        array.Header.Write(stream);
        stream.Write(array.Data);
    }

    /// <summary>Reads an array; throws <see cref="UserErrorException"/> naming the file when it is missing, not .npy, unsupported or truncated.</summary>
    public static NpyArray Read(string path)
    {
        if (!File.Exists(path)) throw new UserErrorException($"array file '{path}' not found");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Read(stream, path);
    }

    /// <summary>Reads only the header of an .npy file (dtype and shape), e.g. to check an input before loading it.</summary>
    public static NpyHeader ReadHeader(string path) => ReadHeader(path, out _);

    /// <summary>Reads the header of an .npy file and where its data start (<paramref name="dataOffset"/>, bytes from the file's start).</summary>
    public static NpyHeader ReadHeader(string path, out long dataOffset)
    {
        if (!File.Exists(path)) throw new UserErrorException($"array file '{path}' not found");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
        var header = NpyHeader.Read(stream, path);
        dataOffset = stream.Position;
        return header;
    }

    /// <summary>
    /// Writes header and <paramref name="data"/> to a new file <paramref name="path"/> (never overwriting) and flushes it to
    /// the disk (fsync) before returning: for files a crash-safe commit renames afterwards.
    /// </summary>
    public static void WriteDurable(string path, NpyHeader header, ReadOnlySpan<byte> data)
    {
        if (data.Length != header.DataBytes) throw new ArgumentException($"npy data is {data.Length} bytes, shape needs {header.DataBytes}");
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        header.Write(stream);
        stream.Write(data);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Reads an array from <paramref name="stream"/>; <paramref name="source"/> names it in errors.</summary>
    public static NpyArray Read(Stream stream, string source)
    {
        NpyHeader header = NpyHeader.Read(stream, source);
        if (header.DataBytes > Array.MaxLength)
            throw new UserErrorException($"'{source}' holds {header.DataBytes} bytes, more than one in-memory array can; split it");
        var data = new byte[header.DataBytes];
        if (!NpyHeader.TryFill(stream, data))
            throw new UserErrorException($"'{source}' is truncated: shape [{string.Join(", ", header.Shape)}] of {header.Dtype} needs {header.DataBytes} data bytes");
        return new NpyArray(header.Dtype, header.Shape, data);
    }
}
