using ScottPlot;
using SkiaSharp;
using SobolevRL.Reporting;

namespace SobolevRL.Tests.Reporting;

public class LinePlotTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sobolevrl-plot-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    // Two learning curves that end in the upper right corner, where a legend inside the data would sit.
    private static PlotSeries[] Curves() =>
    [
        new("Regular run with a long legend name", [1, 2, 3, 4, 5], [1, 2, 3, 4, 10], [0.5, 1.5, 2.5, 3.5, 9], [1.5, 2.5, 3.5, 4.5, 11]),
        new("Sobolev run with a long legend name", [1, 2, 3, 4, 5], [2, 3, 4, 5, 9.5], [1.5, 2.5, 3.5, 4.5, 9], [2.5, 3.5, 4.5, 5.5, 10]),
    ];

    [Fact]
    public void TheLegendDoesNotCoverTheLastPointsOfAnyLine()
    {
        var series = Curves();
        var plot = LinePlot.Build("curves", "step", "loss", series);
        string path = Path.Combine(_dir, "curves.png");
        plot.SavePng(path, 760, 420);
        using var image = SKBitmap.Decode(path);
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < series.Length; i++)
        {
            // The marker of the last point is drawn in the line's colour unless something is painted over it.
            var pixel = plot.GetPixel(new Coordinates(series[i].X[^1], series[i].Y[^1]));
            var drawn = image.GetPixel((int)Math.Round(pixel.X), (int)Math.Round(pixel.Y));
            var expected = palette.GetColor(i);
            Assert.True(Math.Abs(drawn.Red - expected.R) + Math.Abs(drawn.Green - expected.G) + Math.Abs(drawn.Blue - expected.B) < 60,
                $"last point of series {i} at {pixel}: drawn {drawn}, line colour {expected}");
        }
    }

    [Fact]
    public void BandsAndLogAxesAreWrittenWithTicksInTheDataUnits()
    {
        string path = Path.Combine(_dir, "log.png");
        LinePlot.Save(path, "log", "% of data", "KL", Curves(), logY: true, logX: true);
        Assert.True(new FileInfo(path).Length > 1000);

        var percent = LinePlot.LogTicks([0, 1, 2]).Where(t => t.Label != null).Select(t => t.Label!).ToArray();
        Assert.Contains("1", percent);
        Assert.Contains("10", percent);
        Assert.Contains("100", percent);
        var kl = LinePlot.LogTicks([Math.Log10(0.009), Math.Log10(0.05)]).Where(t => t.Label != null).Select(t => t.Label!).ToArray();
        Assert.Contains("0.01", kl);
        Assert.Contains("0.02", kl);
        Assert.Contains("0.05", kl);
        Assert.DoesNotContain(kl, l => l.Contains('E') || l.StartsWith('-'));
    }

    [Fact]
    public void ASingleSeedDrawsNoBandAndAOnePointBandIsAnErrorBar()
    {
        string path = Path.Combine(_dir, "single.png");
        LinePlot.Save(path, "one seed", "x", "y", [new PlotSeries("a", [1, 2], [1, 2], [double.NaN, double.NaN], [double.NaN, double.NaN]), new PlotSeries("b", [1], [1], [0.5], [1.5])]);
        Assert.True(new FileInfo(path).Length > 1000);
    }
}
