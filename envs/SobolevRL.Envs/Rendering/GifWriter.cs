using System.Buffers.Binary;

namespace SobolevRL.Envs.Rendering;

/// <summary>
/// Writes an animated GIF89a: one global palette of up to 256 colours, frames of palette indices coded with LZW,
/// each shown for a given delay, looping forever (NETSCAPE2.0 application extension). Frames replace each other
/// whole. Call <see cref="Dispose"/> to write the trailer.
/// </summary>
public sealed class GifWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly int _colors;
    private readonly int _minCodeSize;
    private readonly GifLzwEncoder _encoder = new();
    private bool _disposed;

    /// <summary>Starts a GIF of <paramref name="width"/>×<paramref name="height"/> pixels on <paramref name="stream"/>.</summary>
    /// <param name="stream">Where the file goes.</param>
    /// <param name="width">Width in pixels, 1..65535.</param>
    /// <param name="height">Height in pixels, 1..65535.</param>
    /// <param name="paletteRgb">The colours as consecutive R, G, B bytes; 1 to 256 colours.</param>
    /// <param name="leaveOpen">Leave <paramref name="stream"/> open on dispose.</param>
    public GifWriter(Stream stream, int width, int height, ReadOnlySpan<byte> paletteRgb, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, ushort.MaxValue);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, ushort.MaxValue);
        if (paletteRgb.Length % 3 != 0 || paletteRgb.Length < 3 || paletteRgb.Length > 768)
            throw new ArgumentException($"a palette is 1 to 256 RGB triples, got {paletteRgb.Length} bytes", nameof(paletteRgb));
        _stream = stream;
        _leaveOpen = leaveOpen;
        Width = width;
        Height = height;
        _colors = paletteRgb.Length / 3;
        int tableBits = 1;
        while (1 << tableBits < _colors) tableBits++;
        _minCodeSize = Math.Max(2, tableBits);
        WriteHeader(paletteRgb, tableBits);
    }

    /// <summary>Opens <paramref name="path"/> (created or overwritten) for a GIF; see the stream constructor.</summary>
    public static GifWriter Create(string path, int width, int height, ReadOnlySpan<byte> paletteRgb) =>
        new(File.Create(path), width, height, paletteRgb);

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Frames written so far.</summary>
    public int FrameCount { get; private set; }

    /// <summary>Appends a frame of <see cref="Width"/>×<see cref="Height"/> palette indices, row-major, shown for <paramref name="delayCentiseconds"/>.</summary>
    public void AddFrame(ReadOnlySpan<byte> pixels, int delayCentiseconds)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (pixels.Length != Width * Height)
            throw new ArgumentException($"a frame is {Width}×{Height} = {Width * Height} pixels, got {pixels.Length}", nameof(pixels));
        ArgumentOutOfRangeException.ThrowIfNegative(delayCentiseconds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(delayCentiseconds, ushort.MaxValue);
        foreach (byte p in pixels)
        {
            if (p >= _colors) throw new ArgumentException($"pixel value {p} is outside the {_colors}-colour palette", nameof(pixels));
        }

        Span<byte> control = [0x21, 0xF9, 4, 0x04, 0, 0, 0, 0]; // graphic control: dispose "leave in place", no transparency
        BinaryPrimitives.WriteUInt16LittleEndian(control[4..], (ushort)delayCentiseconds);
        _stream.Write(control);
        Span<byte> descriptor = [0x2C, 0, 0, 0, 0, 0, 0, 0, 0, 0]; // image at (0, 0), no local palette, not interlaced
        BinaryPrimitives.WriteUInt16LittleEndian(descriptor[5..], (ushort)Width);
        BinaryPrimitives.WriteUInt16LittleEndian(descriptor[7..], (ushort)Height);
        _stream.Write(descriptor);
        _encoder.Encode(_stream, pixels, _minCodeSize);
        FrameCount++;
    }

    /// <summary>Writes the trailer and closes the stream (unless left open).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stream.WriteByte(0x3B);
        _stream.Flush();
        if (!_leaveOpen) _stream.Dispose();
    }

    private void WriteHeader(ReadOnlySpan<byte> paletteRgb, int tableBits)
    {
        _stream.Write("GIF89a"u8);
        Span<byte> screen = stackalloc byte[7];
        BinaryPrimitives.WriteUInt16LittleEndian(screen, (ushort)Width);
        BinaryPrimitives.WriteUInt16LittleEndian(screen[2..], (ushort)Height);
        screen[4] = (byte)(0x80 | (tableBits - 1) << 4 | (tableBits - 1)); // global table, colour resolution, table size
        screen[5] = 0; // background colour index
        screen[6] = 0; // no aspect ratio
        _stream.Write(screen);
        Span<byte> table = stackalloc byte[3 << tableBits];
        table.Clear();
        paletteRgb.CopyTo(table);
        _stream.Write(table);
        _stream.Write([0x21, 0xFF, 11]);
        _stream.Write("NETSCAPE2.0"u8);
        _stream.Write([3, 1, 0, 0, 0]); // sub-block: loop count 0 = forever; terminator
    }
}
