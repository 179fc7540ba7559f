namespace SobolevRL.Envs.Rendering;

/// <summary>
/// Draws one channel of a C×H×W observation of 0..255 values (an Atari frame, 1×84×84 or 1×210×160) as a grayscale
/// image, each pixel scaled up to <see cref="Scale"/>×<see cref="Scale"/>. For a frame stack the channel to draw
/// defaults to the last, the newest frame.
/// </summary>
public sealed class GrayscaleFrameRenderer : IFrameRenderer
{
    private static readonly byte[] GrayPalette = MakeGrayPalette();
    private readonly int _channels;
    private readonly int _rows;
    private readonly int _columns;
    private readonly int _channel;

    /// <summary>Renders channel <paramref name="channel"/> (default: the last) of observations of shape (<paramref name="channels"/>, <paramref name="rows"/>, <paramref name="columns"/>).</summary>
    public GrayscaleFrameRenderer(int channels, int rows, int columns, int scale = 1, int? channel = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        int drawn = channel ?? channels - 1;
        ArgumentOutOfRangeException.ThrowIfNegative(drawn, nameof(channel));
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(drawn, channels, nameof(channel));
        (_channels, _rows, _columns, _channel, Scale) = (channels, rows, columns, drawn, scale);
        Width = columns * scale;
        Height = rows * scale;
    }

    /// <summary>Pixels per observation element along each axis.</summary>
    public int Scale { get; }

    /// <inheritdoc />
    public int Width { get; }

    /// <inheritdoc />
    public int Height { get; }

    /// <inheritdoc />
    public ReadOnlySpan<byte> PaletteRgb => GrayPalette;

    /// <inheritdoc />
    public void Render(ReadOnlySpan<byte> observation, Span<byte> pixels)
    {
        int plane = _rows * _columns;
        if (observation.Length != _channels * plane) throw new ArgumentException($"expected {_channels}×{_rows}×{_columns} bytes, got {observation.Length}", nameof(observation));
        if (pixels.Length != Width * Height) throw new ArgumentException($"expected {Width * Height} pixels, got {pixels.Length}", nameof(pixels));
        var source = observation.Slice(_channel * plane, plane);
        for (int y = 0; y < _rows; y++)
        {
            var row = pixels.Slice(y * Scale * Width, Width);
            if (Scale == 1) source.Slice(y * _columns, _columns).CopyTo(row);
            else
            {
                for (int x = 0; x < _columns; x++) row.Slice(x * Scale, Scale).Fill(source[y * _columns + x]);
            }
            for (int repeat = 1; repeat < Scale; repeat++) row.CopyTo(pixels.Slice((y * Scale + repeat) * Width, Width));
        }
    }

    private static byte[] MakeGrayPalette()
    {
        var palette = new byte[3 * 256];
        for (int v = 0; v < 256; v++) palette.AsSpan(3 * v, 3).Fill((byte)v);
        return palette;
    }
}
