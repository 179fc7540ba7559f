namespace SobolevRL.Envs.Rendering;

/// <summary>
/// Draws a grid game's C×H×W 0/1 channels as coloured cells: each cell is a square of <see cref="CellSize"/> pixels
/// coloured by the highest-numbered channel set in it (black when none), optionally separated by 1-pixel grid
/// lines. Channel c always gets the same colour (palette index c + 2; 0 is the background, 1 the grid lines).
/// </summary>
public sealed class GridFrameRenderer : IFrameRenderer
{
    private const byte Background = 0;
    private const byte GridLine = 1;
    private const int FirstChannelColor = 2;

    // Distinct, saturated colours that read well on black; channels beyond the list reuse it in order.
    private static readonly byte[] ChannelColors =
    [
        255, 230, 0,    // yellow
        0, 200, 255,    // cyan
        255, 60, 60,    // red
        80, 220, 80,    // green
        255, 140, 0,    // orange
        180, 90, 255,   // violet
        255, 255, 255,  // white
        0, 110, 255,    // blue
        255, 105, 180,  // pink
        150, 150, 60,   // olive
        120, 255, 200,  // mint
        170, 110, 60,   // brown
    ];

    private readonly byte[] _palette;
    private readonly int _channels;
    private readonly int _rows;
    private readonly int _columns;
    private readonly int _pitch;
    private readonly int _line;

    /// <summary>Renders observations of shape (<paramref name="channels"/>, <paramref name="rows"/>, <paramref name="columns"/>).</summary>
    public GridFrameRenderer(int channels, int rows, int columns, int cellSize = 20, bool gridLines = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(channels, 256 - FirstChannelColor);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cellSize, 1);
        (_channels, _rows, _columns, CellSize) = (channels, rows, columns, cellSize);
        _line = gridLines ? 1 : 0;
        _pitch = cellSize + _line;
        Width = columns * _pitch + _line;
        Height = rows * _pitch + _line;
        _palette = new byte[3 * (FirstChannelColor + channels)];
        _palette.AsSpan(3 * GridLine, 3).Fill(48);
        for (int c = 0; c < channels; c++)
            ChannelColors.AsSpan(3 * (c % (ChannelColors.Length / 3)), 3).CopyTo(_palette.AsSpan(3 * (FirstChannelColor + c)));
    }

    /// <summary>Side of a cell in pixels.</summary>
    public int CellSize { get; }

    /// <inheritdoc />
    public int Width { get; }

    /// <inheritdoc />
    public int Height { get; }

    /// <inheritdoc />
    public ReadOnlySpan<byte> PaletteRgb => _palette;

    /// <summary>Palette index of channel <paramref name="channel"/>.</summary>
    public static byte ColorIndexOf(int channel) => (byte)(FirstChannelColor + channel);

    /// <inheritdoc />
    public void Render(ReadOnlySpan<byte> observation, Span<byte> pixels)
    {
        int plane = _rows * _columns;
        if (observation.Length != _channels * plane) throw new ArgumentException($"expected {_channels}×{_rows}×{_columns} bytes, got {observation.Length}", nameof(observation));
        if (pixels.Length != Width * Height) throw new ArgumentException($"expected {Width * Height} pixels, got {pixels.Length}", nameof(pixels));
        pixels.Fill(_line == 1 ? GridLine : Background);
        for (int y = 0; y < _rows; y++)
        {
            for (int x = 0; x < _columns; x++)
            {
                byte color = Background;
                for (int c = _channels - 1; c >= 0; c--)
                {
                    if (observation[c * plane + y * _columns + x] != 0)
                    {
                        color = ColorIndexOf(c);
                        break;
                    }
                }
                int top = y * _pitch + _line, left = x * _pitch + _line;
                for (int py = 0; py < CellSize; py++) pixels.Slice((top + py) * Width + left, CellSize).Fill(color);
            }
        }
    }
}
