namespace SobolevRL.Envs.Rendering;

/// <summary>Turns one observation into an image of palette indices, for <see cref="GifWriter"/>.</summary>
public interface IFrameRenderer
{
    /// <summary>Image width in pixels.</summary>
    int Width { get; }

    /// <summary>Image height in pixels.</summary>
    int Height { get; }

    /// <summary>The palette as consecutive R, G, B bytes.</summary>
    ReadOnlySpan<byte> PaletteRgb { get; }

    /// <summary>Writes the image of <paramref name="observation"/> (CHW bytes) as <see cref="Width"/>×<see cref="Height"/> palette indices.</summary>
    void Render(ReadOnlySpan<byte> observation, Span<byte> pixels);
}
