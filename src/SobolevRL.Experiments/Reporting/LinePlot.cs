using ScottPlot;

namespace SobolevRL.Reporting;

/// <summary>Draws named series of (x, y) points as lines into a PNG.</summary>
public static class LinePlot
{
    /// <summary>Saves a line plot with one line per series; <paramref name="logX"/>/<paramref name="logY"/> plot log10 of the values.</summary>
    public static void Save(string path, string title, string xLabel, string yLabel,
        IEnumerable<(string Name, double[] X, double[] Y)> series, bool logY = false, int width = 640, int height = 420, bool logX = false)
    {
        var plot = new Plot();
        foreach (var (name, x, y) in series)
        {
            double[] ys = logY ? y.Select(v => Math.Log10(Math.Max(v, 1e-300))).ToArray() : y;
            double[] xs = logX ? x.Select(v => Math.Log10(Math.Max(v, 1e-300))).ToArray() : x;
            var line = plot.Add.Scatter(xs, ys);
            line.LegendText = name;
        }
        plot.Title(title);
        plot.XLabel(logX ? $"log10 {xLabel}" : xLabel);
        plot.YLabel(logY ? $"log10 {yLabel}" : yLabel);
        plot.ShowLegend();
        plot.SavePng(path, width, height);
    }
}
