using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Rendering;

/// <summary>Picks the renderer that suits an observation space.</summary>
public static class FrameRenderers
{
    /// <summary>
    /// Coloured cells (20 px, grid lines) for 0/1 grids (<see cref="BoxSpace.High"/> = 1, e.g. MinAtar); grayscale of the
    /// last channel otherwise (Atari frames; scaled ×4 when smaller than 100 px, so 84×84 becomes 336×336, else ×2).
    /// </summary>
    public static IFrameRenderer For(BoxSpace space)
    {
        ArgumentNullException.ThrowIfNull(space);
        if (space.Shape.Length != 3) throw new ArgumentException($"rendering needs a CHW observation space, got {space}", nameof(space));
        int channels = space.Shape[0], rows = space.Shape[1], columns = space.Shape[2];
        if (space.High <= 1) return new GridFrameRenderer(channels, rows, columns);
        int scale = Math.Max(rows, columns) < 100 ? 4 : 2;
        return new GrayscaleFrameRenderer(channels, rows, columns, scale);
    }
}
