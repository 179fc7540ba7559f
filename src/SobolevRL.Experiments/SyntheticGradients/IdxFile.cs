using System.Buffers.Binary;
using System.IO.Compression;

namespace SobolevRL.SyntheticGradients;

/// <summary>An unsigned-byte IDX array (the MNIST file format): its dimensions and its values in row-major order.</summary>
/// <param name="Shape">Dimensions, outermost first.</param>
/// <param name="Data">The values, row-major.</param>
public sealed record IdxArray(int[] Shape, byte[] Data);

/// <summary>
/// Reads IDX files (LeCun's MNIST format): two zero bytes, a type byte, the number of dimensions, one big-endian int32 per
/// dimension, then the values row-major. Only the unsigned-byte type (0x08) is read: the image and label files of MNIST
/// and Fashion-MNIST use it. A file starting with the gzip magic is decompressed on the fly (Debian ships them as .gz).
/// </summary>
public static class IdxFile
{
    /// <summary>Type byte of unsigned 8-bit values.</summary>
    public const byte UnsignedByteType = 0x08;

    /// <summary>Reads <paramref name="path"/> (raw or gzip-compressed); throws <see cref="InvalidDataException"/> on a malformed file.</summary>
    public static IdxArray Read(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[2];
        int got = file.Read(magic);
        file.Position = 0;
        bool gzip = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        using Stream stream = gzip ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: true) : new BufferedStream(file, 1 << 16);
        return Read(stream, path);
    }

    private static IdxArray Read(Stream stream, string path)
    {
        var header = new byte[4];
        ReadAll(stream, header, path, "header");
        if (header[0] != 0 || header[1] != 0)
            throw new InvalidDataException($"'{path}' is not an IDX file (its first two bytes are not zero)");
        if (header[2] != UnsignedByteType)
            throw new InvalidDataException($"'{path}' holds IDX type 0x{header[2]:x2}; only unsigned bytes (0x08) are read");
        int rank = header[3];
        if (rank == 0) throw new InvalidDataException($"'{path}' declares an IDX array of rank 0");
        var dims = new byte[4 * rank];
        ReadAll(stream, dims, path, "dimensions");
        var shape = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            shape[i] = BinaryPrimitives.ReadInt32BigEndian(dims.AsSpan(4 * i));
            if (shape[i] < 0) throw new InvalidDataException($"'{path}' declares a negative dimension {shape[i]}");
            count *= shape[i];
        }
        if (count > Array.MaxLength) throw new InvalidDataException($"'{path}' declares {count} values, more than one array holds");
        var data = new byte[count];
        ReadAll(stream, data, path, "values");
        if (stream.ReadByte() != -1) throw new InvalidDataException($"'{path}' has bytes after the {count} values its header declares");
        return new IdxArray(shape, data);
    }

    private static void ReadAll(Stream stream, byte[] buffer, string path, string part)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"'{path}' ends inside its {part}");
        }
    }
}
