using SobolevRL.Envs.Core;
using SobolevRL.Envs.Rendering;

namespace SobolevRL.Envs.Tests.Rendering;

public class FrameRendererTests
{
    [Fact]
    public void GridCellsTakeTheColourOfTheHighestChannelSet()
    {
        var renderer = new GridFrameRenderer(channels: 3, rows: 2, columns: 2, cellSize: 4, gridLines: true);
        Assert.Equal(2 * 5 + 1, renderer.Width);
        var obs = new byte[3 * 4];
        obs[0 * 4 + 0] = 1;                    // (0,0): channel 0
        obs[0 * 4 + 3] = 1; obs[2 * 4 + 3] = 1; // (1,1): channels 0 and 2 → 2 wins
        obs[1 * 4 + 1] = 1;                    // (0,1): channel 1
        var pixels = new byte[renderer.Width * renderer.Height];
        renderer.Render(obs, pixels);
        byte At(int x, int y) => pixels[y * renderer.Width + x];
        Assert.Equal(1, At(0, 0));  // grid line
        Assert.Equal(1, At(5, 3));  // grid line between columns
        Assert.Equal(GridFrameRenderer.ColorIndexOf(0), At(1, 1));
        Assert.Equal(GridFrameRenderer.ColorIndexOf(0), At(4, 4));
        Assert.Equal(GridFrameRenderer.ColorIndexOf(1), At(6, 1));
        Assert.Equal(0, At(1, 6));  // (1,0) empty
        Assert.Equal(GridFrameRenderer.ColorIndexOf(2), At(9, 9));
        Assert.Equal(3 * (2 + 3), renderer.PaletteRgb.Length);
    }

    [Fact]
    public void GrayscaleDrawsTheLastChannelScaled()
    {
        var renderer = new GrayscaleFrameRenderer(channels: 2, rows: 2, columns: 3, scale: 2);
        byte[] obs = [9, 9, 9, 9, 9, 9, 10, 20, 30, 40, 50, 60];
        var pixels = new byte[renderer.Width * renderer.Height];
        renderer.Render(obs, pixels);
        Assert.Equal(
            [10, 10, 20, 20, 30, 30,
             10, 10, 20, 20, 30, 30,
             40, 40, 50, 50, 60, 60,
             40, 40, 50, 50, 60, 60], pixels);
    }

    [Fact]
    public void PicksGridForBinaryAndGrayscaleForByteObservations()
    {
        Assert.IsType<GridFrameRenderer>(FrameRenderers.For(new BoxSpace([4, 10, 10], 0, 1)));
        var atari = Assert.IsType<GrayscaleFrameRenderer>(FrameRenderers.For(new BoxSpace([4, 84, 84], 0, 255)));
        Assert.Equal(336, atari.Width);
        Assert.Equal(320, FrameRenderers.For(new BoxSpace([1, 210, 160], 0, 255)).Width);
    }
}
