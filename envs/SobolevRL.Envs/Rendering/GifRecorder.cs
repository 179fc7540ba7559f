using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Rendering;

/// <summary>Records observations of one environment into an animated GIF, rendered by <see cref="FrameRenderers.For"/>.</summary>
public sealed class GifRecorder : IDisposable
{
    private readonly IFrameRenderer _renderer;
    private readonly GifWriter _writer;
    private readonly byte[] _pixels;

    /// <summary>Creates <paramref name="path"/> for observations of <paramref name="space"/>, each shown <paramref name="delayCentiseconds"/>.</summary>
    public GifRecorder(string path, BoxSpace space, int delayCentiseconds = 8)
        : this(path, FrameRenderers.For(space), delayCentiseconds) { }

    /// <summary>Creates <paramref name="path"/> with a given <paramref name="renderer"/>.</summary>
    public GifRecorder(string path, IFrameRenderer renderer, int delayCentiseconds = 8)
    {
        _renderer = renderer;
        DelayCentiseconds = delayCentiseconds;
        _pixels = new byte[renderer.Width * renderer.Height];
        _writer = GifWriter.Create(path, renderer.Width, renderer.Height, renderer.PaletteRgb);
    }

    /// <summary>How long each frame is shown, in 1/100 s.</summary>
    public int DelayCentiseconds { get; }

    /// <summary>Frames recorded so far.</summary>
    public int FrameCount => _writer.FrameCount;

    /// <summary>Appends the image of <paramref name="observation"/>.</summary>
    public void Add(ReadOnlySpan<byte> observation)
    {
        _renderer.Render(observation, _pixels);
        _writer.AddFrame(_pixels, DelayCentiseconds);
    }

    /// <summary>Finishes the file.</summary>
    public void Dispose() => _writer.Dispose();
}
