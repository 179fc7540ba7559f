namespace SobolevRL.Envs.Wrappers.Atari;

/// <summary>
/// Shrinks single-channel 8-bit images by area averaging, the method of OpenCV's <c>resize(..., INTER_AREA)</c> for
/// non-integer shrink factors: each output pixel is the mean of the source area its cell covers, source pixels weighted
/// by the length of their overlap with the cell (separately along each axis). Sums are in single precision, rows first
/// and then columns, and rounded half to even, as OpenCV does, so results agree with it to within one grey level
/// (exactly on the images of the tests). Integer shrink factors take OpenCV's exact-block path: the block sum times
/// 1/area rounded half to even, except 2×2 blocks, which OpenCV rounds half up. Weights are computed once; resampling
/// allocates nothing. Not thread-safe (it keeps a row buffer).
/// </summary>
public sealed class AreaResampler
{
    // Overlaps shorter than this are ignored, as OpenCV does, so rounding noise never adds a sliver of a pixel.
    private const double MinOverlap = 1e-3;

    private readonly Tap[] _columns;
    private readonly Tap[] _rows;
    private readonly float[] _rowSums;
    private readonly float[] _cellSums;
    private readonly int _blockHeight;
    private readonly int _blockWidth;

    /// <summary>Prepares shrinking <paramref name="sourceHeight"/>×<paramref name="sourceWidth"/> images to <paramref name="height"/>×<paramref name="width"/>.</summary>
    public AreaResampler(int sourceHeight, int sourceWidth, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(sourceHeight, height);
        ArgumentOutOfRangeException.ThrowIfLessThan(sourceWidth, width);
        SourceHeight = sourceHeight;
        SourceWidth = sourceWidth;
        Height = height;
        Width = width;
        _columns = Taps(sourceWidth, width);
        _rows = Taps(sourceHeight, height);
        _rowSums = new float[width];
        _cellSums = new float[width];
        if (sourceHeight % height == 0 && sourceWidth % width == 0)
        {
            _blockHeight = sourceHeight / height;
            _blockWidth = sourceWidth / width;
        }
    }

    /// <summary>Source rows.</summary>
    public int SourceHeight { get; }

    /// <summary>Source columns.</summary>
    public int SourceWidth { get; }

    /// <summary>Output rows.</summary>
    public int Height { get; }

    /// <summary>Output columns.</summary>
    public int Width { get; }

    /// <summary>Shrinks <paramref name="source"/> (row-major) into <paramref name="destination"/> (row-major).</summary>
    public void Resample(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (source.Length != SourceHeight * SourceWidth)
            throw new ArgumentException($"source has {source.Length} bytes, expected {SourceHeight}x{SourceWidth}", nameof(source));
        if (destination.Length != Height * Width)
            throw new ArgumentException($"destination has {destination.Length} bytes, expected {Height}x{Width}", nameof(destination));
        if (_blockHeight > 0)
        {
            ResampleBlocks(source, destination);
            return;
        }
        int currentRow = -1;
        foreach (var rowTap in _rows)
        {
            var sourceRow = source.Slice(rowTap.Source * SourceWidth, SourceWidth);
            _rowSums.AsSpan().Clear();
            foreach (var columnTap in _columns)
                _rowSums[columnTap.Target] += columnTap.Weight * sourceRow[columnTap.Source];
            if (rowTap.Target != currentRow)
            {
                if (currentRow >= 0) Store(destination.Slice(currentRow * Width, Width));
                currentRow = rowTap.Target;
                for (int x = 0; x < Width; x++) _cellSums[x] = rowTap.Weight * _rowSums[x];
            }
            else
            {
                for (int x = 0; x < Width; x++) _cellSums[x] += rowTap.Weight * _rowSums[x];
            }
        }
        Store(destination.Slice(currentRow * Width, Width));
    }

    private void ResampleBlocks(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        int area = _blockHeight * _blockWidth;
        float inverseArea = 1f / area;
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                int sum = 0;
                for (int by = 0; by < _blockHeight; by++)
                {
                    var row = source.Slice((y * _blockHeight + by) * SourceWidth + x * _blockWidth, _blockWidth);
                    foreach (byte v in row) sum += v;
                }
                destination[y * Width + x] = area == 4
                    ? (byte)((sum + 2) >> 2)
                    : (byte)Math.Clamp((int)MathF.Round(sum * inverseArea, MidpointRounding.ToEven), 0, 255);
            }
        }
    }

    private void Store(Span<byte> row)
    {
        for (int x = 0; x < Width; x++)
            row[x] = (byte)Math.Clamp((int)MathF.Round(_cellSums[x], MidpointRounding.ToEven), 0, 255);
    }

    /// <summary>One source pixel's share of one output pixel along an axis.</summary>
    private readonly record struct Tap(int Target, int Source, float Weight);

    // For each output index d, the cell [d·scale, d·scale + scale) of the source axis, and the source pixels it overlaps,
    // each weighted by overlap / cell length (the last cell is cut at the edge of the source).
    private static Tap[] Taps(int sourceLength, int length)
    {
        double scale = 1.0 / ((double)length / sourceLength);
        var taps = new List<Tap>(sourceLength + length);
        for (int d = 0; d < length; d++)
        {
            double start = d * scale;
            double end = start + scale;
            double cell = Math.Min(scale, sourceLength - start);
            int first = (int)Math.Floor(start);
            int last = Math.Min((int)Math.Ceiling(end), sourceLength) - 1;
            for (int s = first; s <= last; s++)
            {
                double overlap = Math.Min(s + 1, end) - Math.Max(s, start);
                if (overlap > MinOverlap) taps.Add(new Tap(d, s, (float)(Math.Min(overlap, cell) / cell)));
            }
        }
        return [.. taps];
    }
}
