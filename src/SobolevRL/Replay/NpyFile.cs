using System.Globalization;
using System.Text;

namespace SobolevRL.Replay;

/// <summary>
/// The header of a NumPy <c>.npy</c> file (format version 1.0, C order): dtype descriptor (e.g. <c>&lt;f4</c>, <c>|u1</c>)
/// and shape. Only little-endian and byte-sized types are written, so files load with <c>numpy.load(path, mmap_mode="r")</c>.
/// </summary>
/// <param name="Descr">NumPy dtype string: <c>|u1</c>, <c>|b1</c>, <c>&lt;i4</c>, <c>&lt;i8</c>, <c>&lt;u2</c>, <c>&lt;f2</c>, <c>&lt;f4</c>.</param>
/// <param name="Shape">Array shape (first dimension = rows).</param>
/// <param name="DataOffset">Byte offset of the data in the file (a multiple of 64 for files this class writes).</param>
public sealed record NpyHeader(string Descr, long[] Shape, long DataOffset)
{
    /// <summary>Bytes of one element of <see cref="Descr"/>.</summary>
    public int ItemSize => NpyFile.ItemSize(Descr);

    /// <summary>Number of elements.</summary>
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Bytes of the data part.</summary>
    public long DataBytes => Count * ItemSize;
}

/// <summary>Writes and reads <c>.npy</c> files (version 1.0 headers, little-endian data).</summary>
public static class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Bytes per element of a supported dtype descriptor; throws <see cref="InvalidDataException"/> otherwise.</summary>
    public static int ItemSize(string descr) => descr switch
    {
        "|u1" or "|b1" or "|i1" => 1,
        "<u2" or "<f2" or "<i2" => 2,
        "<i4" or "<f4" or "<u4" => 4,
        "<i8" or "<f8" or "<u8" => 8,
        _ => throw new InvalidDataException($"unsupported .npy dtype '{descr}'"),
    };

    /// <summary>The header bytes (magic, version 1.0, padded dict) for an array of <paramref name="descr"/> and <paramref name="shape"/>.</summary>
    public static byte[] Header(string descr, IReadOnlyList<long> shape)
    {
        ItemSize(descr);
        string dims = shape.Count == 1 ? $"{shape[0]}," : string.Join(", ", shape.Select(s => s.ToString(CultureInfo.InvariantCulture)));
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}";
        int unpadded = Magic.Length + 2 + 2 + dict.Length + 1;
        int padded = (unpadded + 63) / 64 * 64;
        if (padded - 10 > ushort.MaxValue) throw new ArgumentException("npy header too long for format 1.0");
        string text = dict + new string(' ', padded - unpadded) + "\n";
        var bytes = new byte[padded];
        Magic.CopyTo(bytes, 0);
        bytes[6] = 1;
        bytes[7] = 0;
        int len = padded - 10;
        bytes[8] = (byte)(len & 0xFF);
        bytes[9] = (byte)(len >> 8);
        Encoding.ASCII.GetBytes(text, 0, text.Length, bytes, 10);
        return bytes;
    }

    /// <summary>Writes an array to <paramref name="path"/> and flushes it to the disk (fsync) before returning.</summary>
    public static void Write(string path, string descr, IReadOnlyList<long> shape, ReadOnlySpan<byte> data)
    {
        long expected = shape.Aggregate(1L, (a, b) => a * b) * ItemSize(descr);
        if (data.Length != expected) throw new ArgumentException($"npy data is {data.Length} bytes, shape needs {expected}");
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        stream.Write(Header(descr, shape));
        stream.Write(data);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Reads the header of <paramref name="path"/>; throws <see cref="InvalidDataException"/> for anything that is not a C-order .npy of a supported dtype.</summary>
    public static NpyHeader ReadHeader(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
        return ReadHeader(stream, path);
    }

    /// <summary>Reads a header from the start of <paramref name="stream"/>.</summary>
    public static NpyHeader ReadHeader(Stream stream, string name)
    {
        Span<byte> prefix = stackalloc byte[12];
        if (stream.ReadAtLeast(prefix[..10], 10, throwOnEndOfStream: false) < 10 || !prefix[..6].SequenceEqual(Magic))
            throw new InvalidDataException($"{name}: not a .npy file");
        int major = prefix[6];
        int headerLength, prefixLength;
        if (major == 1)
        {
            headerLength = prefix[8] | (prefix[9] << 8);
            prefixLength = 10;
        }
        else if (major is 2 or 3)
        {
            if (stream.ReadAtLeast(prefix[10..12], 2, throwOnEndOfStream: false) < 2) throw new InvalidDataException($"{name}: truncated .npy header");
            headerLength = prefix[8] | (prefix[9] << 8) | (prefix[10] << 16) | (prefix[11] << 24);
            prefixLength = 12;
        }
        else throw new InvalidDataException($"{name}: .npy format version {major} is not supported");
        var text = new byte[headerLength];
        if (stream.ReadAtLeast(text, headerLength, throwOnEndOfStream: false) < headerLength) throw new InvalidDataException($"{name}: truncated .npy header");
        string dict = Encoding.ASCII.GetString(text);
        string descr = Field(dict, "descr", name).Trim().Trim('\'', '"');
        if (descr.StartsWith('=') || (descr.Length > 1 && descr[0] != '<' && descr[0] != '|' && descr[0] != '>')) descr = "<" + descr.TrimStart('=');
        if (descr.StartsWith('>')) throw new InvalidDataException($"{name}: big-endian .npy data ({descr}) is not supported");
        ItemSize(descr);
        if (Field(dict, "fortran_order", name).Trim() != "False") throw new InvalidDataException($"{name}: Fortran-order .npy data is not supported");
        string shapeText = Field(dict, "shape", name).Trim().TrimStart('(').TrimEnd(')');
        long[] shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => long.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture)).ToArray();
        var header = new NpyHeader(descr, shape, prefixLength + headerLength);
        if (stream.CanSeek && stream.Length < header.DataOffset + header.DataBytes)
            throw new InvalidDataException($"{name}: file is {stream.Length} bytes, the header promises {header.DataOffset + header.DataBytes} (truncated)");
        return header;
    }

    /// <summary>Reads a whole array's data into memory (for small arrays and tests; large ones are memory-mapped).</summary>
    public static (NpyHeader Header, byte[] Data) Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var header = ReadHeader(stream, path);
        stream.Position = header.DataOffset;
        var data = new byte[header.DataBytes];
        stream.ReadExactly(data);
        return (header, data);
    }

    private static string Field(string dict, string key, string name)
    {
        int k = dict.IndexOf($"'{key}'", StringComparison.Ordinal);
        if (k < 0) k = dict.IndexOf($"\"{key}\"", StringComparison.Ordinal);
        if (k < 0) throw new InvalidDataException($"{name}: .npy header has no '{key}'");
        int colon = dict.IndexOf(':', k);
        int start = colon + 1;
        int end;
        string rest = dict[start..].TrimStart();
        start = dict.Length - rest.Length;
        if (rest.StartsWith('(')) end = dict.IndexOf(')', start) + 1;
        else
        {
            end = dict.IndexOf(',', start);
            int brace = dict.IndexOf('}', start);
            if (end < 0 || (brace >= 0 && brace < end)) end = brace;
        }
        if (end <= start) throw new InvalidDataException($"{name}: malformed .npy header");
        return dict[start..end];
    }
}
