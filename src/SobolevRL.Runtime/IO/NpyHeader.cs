using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SobolevRL.IO;

/// <summary>
/// The header of a .npy file (numpy format 1.0/2.0/3.0): magic <c>\x93NUMPY</c>, version, header length, then a Python
/// dict literal with <c>descr</c>, <c>fortran_order</c> and <c>shape</c>, space-padded so the data starts at a
/// multiple of 64 bytes. Data follow in C order.
/// </summary>
/// <param name="Dtype">Element type.</param>
/// <param name="Shape">Dimensions (empty for a scalar).</param>
public sealed partial record NpyHeader(NpyDtype Dtype, long[] Shape)
{
    static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    const int Alignment = 64;

    /// <summary>Number of elements.</summary>
    public long Count => Shape.Aggregate(1L, (a, d) => a * d);

    /// <summary>Number of data bytes after the header.</summary>
    public long DataBytes => Count * Dtype.Size();

    /// <summary>The encoded header (magic through padding); its length is where the data start.</summary>
    public byte[] Encode()
    {
        string shape = Shape.Length switch
        {
            0 => "()",
            1 => $"({Shape[0].ToString(CultureInfo.InvariantCulture)},)",
            _ => "(" + string.Join(", ", Shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")",
        };
        string dict = $"{{'descr': '{Dtype.Descriptor()}', 'fortran_order': False, 'shape': {shape}, }}";
        // Version 1.0 stores the header length in 2 bytes; longer headers (very many dimensions) need 2.0 (4 bytes).
        int prefix = Magic.Length + 2 + 2;
        int total = AlignUp(prefix + dict.Length + 1);
        if (total - prefix > ushort.MaxValue)
        {
            prefix = Magic.Length + 2 + 4;
            total = AlignUp(prefix + dict.Length + 1);
        }
        int lengthBytes = prefix - Magic.Length - 2;
        string padded = dict.PadRight(total - prefix - 1) + "\n";
        var bytes = new byte[total];
        Magic.CopyTo(bytes, 0);
        bytes[6] = lengthBytes == 2 ? (byte)1 : (byte)2;
        bytes[7] = 0;
        if (lengthBytes == 2) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)padded.Length);
        else BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)padded.Length);
        Encoding.ASCII.GetBytes(padded, bytes.AsSpan(prefix));
        return bytes;
    }

    static int AlignUp(int n) => (n + Alignment - 1) / Alignment * Alignment;

    /// <summary>Writes the encoded header to <paramref name="stream"/> (the caller then writes <see cref="DataBytes"/> bytes).</summary>
    public void Write(Stream stream) => stream.Write(Encode());

    /// <summary>
    /// Reads a header from <paramref name="stream"/>, leaving it at the first data byte. Throws
    /// <see cref="UserErrorException"/> naming <paramref name="source"/> when the header is not a supported .npy header.
    /// </summary>
    public static NpyHeader Read(Stream stream, string source)
    {
        Span<byte> prefix = stackalloc byte[8];
        if (!TryFill(stream, prefix) || !prefix[..6].SequenceEqual(Magic))
            throw new UserErrorException($"'{source}' is not a .npy array (no \\x93NUMPY magic); save it with numpy.save");
        byte major = prefix[6];
        int length;
        Span<byte> lengthBytes = stackalloc byte[4];
        switch (major)
        {
            case 1:
                if (!TryFill(stream, lengthBytes[..2])) throw Truncated(source);
                length = BinaryPrimitives.ReadUInt16LittleEndian(lengthBytes);
                break;
            case 2 or 3:
                if (!TryFill(stream, lengthBytes)) throw Truncated(source);
                uint l = BinaryPrimitives.ReadUInt32LittleEndian(lengthBytes);
                if (l > 1 << 24) throw new UserErrorException($"'{source}': .npy header length {l} is implausible; the file is damaged");
                length = (int)l;
                break;
            default:
                throw new UserErrorException($"'{source}': .npy format version {major}.{prefix[7]} is not supported (1.0, 2.0, 3.0 are)");
        }
        var text = new byte[length];
        if (!TryFill(stream, text)) throw Truncated(source);
        return Parse(major == 3 ? Encoding.UTF8.GetString(text) : Encoding.Latin1.GetString(text), source);
    }

    static NpyHeader Parse(string dict, string source)
    {
        Match descr = DescrPattern().Match(dict);
        Match fortran = FortranPattern().Match(dict);
        Match shape = ShapePattern().Match(dict);
        if (!descr.Success || !fortran.Success || !shape.Success)
            throw new UserErrorException($"'{source}': .npy header '{dict.Trim()}' lacks descr, fortran_order or shape");
        string d = descr.Groups[1].Value;
        NpyDtype dtype = NpyDtypes.TryParse(d)
            ?? throw new UserErrorException($"'{source}': dtype '{d}' is not supported (uint8, float32, float16, int64, bool, little-endian); convert with arr.astype(...)");
        if (fortran.Groups[1].Value == "True")
            throw new UserErrorException($"'{source}' is stored in Fortran order; save numpy.ascontiguousarray(arr) instead");
        var dims = new List<long>();
        foreach (string part in shape.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!long.TryParse(part.TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture, out long dim))
                throw new UserErrorException($"'{source}': shape '({shape.Groups[1].Value})' in the .npy header is not a tuple of sizes");
            dims.Add(dim);
        }
        return new NpyHeader(dtype, [.. dims]);
    }

    static UserErrorException Truncated(string source) => new($"'{source}' is truncated inside its .npy header");

    internal static bool TryFill(Stream stream, Span<byte> buffer)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = stream.Read(buffer[read..]);
            if (n == 0) return false;
            read += n;
        }
        return true;
    }

    [GeneratedRegex("""['"]descr['"]\s*:\s*['"]([^'"]*)['"]""")]
    private static partial Regex DescrPattern();

    [GeneratedRegex("""['"]fortran_order['"]\s*:\s*(True|False)""")]
    private static partial Regex FortranPattern();

    [GeneratedRegex("""['"]shape['"]\s*:\s*\(([^)]*)\)""")]
    private static partial Regex ShapePattern();
}
