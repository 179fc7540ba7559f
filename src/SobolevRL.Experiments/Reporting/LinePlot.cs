using System.Globalization;
using ScottPlot;

namespace SobolevRL.Reporting;

/// <summary>One line of a <see cref="LinePlot"/>: points, and optionally a band (e.g. a 95% CI over seeds) around them.</summary>
/// <param name="Name">Legend text.</param>
/// <param name="X">X values.</param>
/// <param name="Y">Y values (the line).</param>
/// <param name="Low">Lower edge of the band at each x (null: no band; NaN where unknown, e.g. one seed).</param>
/// <param name="High">Upper edge of the band at each x.</param>
public sealed record PlotSeries(string Name, double[] X, double[] Y, double[]? Low = null, double[]? High = null);

/// <summary>
/// Draws named series as lines into a PNG: a shaded band where a series has one (its uncertainty), log axes labelled in
/// the data's own units (1, 10, 100), and the legend to the right of the data so it never covers a point.
/// </summary>
public static class LinePlot
{
    /// <summary>Saves a line plot with one line per series; <paramref name="logX"/>/<paramref name="logY"/> use log scales.</summary>
    public static void Save(string path, string title, string xLabel, string yLabel,
        IEnumerable<(string Name, double[] X, double[] Y)> series, bool logY = false, int width = 760, int height = 420, bool logX = false) =>
        Save(path, title, xLabel, yLabel, series.Select(s => new PlotSeries(s.Name, s.X, s.Y)).ToArray(), logY, width, height, logX);

    /// <summary>Saves a line plot of <paramref name="series"/> with their bands; <paramref name="logX"/>/<paramref name="logY"/> use log scales.</summary>
    public static void Save(string path, string title, string xLabel, string yLabel,
        IReadOnlyList<PlotSeries> series, bool logY = false, int width = 760, int height = 420, bool logX = false) =>
        Build(title, xLabel, yLabel, series, logY, logX).SavePng(path, width, height);

    /// <summary>The plot <see cref="Save(string, string, string, string, IReadOnlyList{PlotSeries}, bool, int, int, bool)"/> renders (for tests that inspect where things land).</summary>
    public static Plot Build(string title, string xLabel, string yLabel, IReadOnlyList<PlotSeries> series, bool logY = false, bool logX = false)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var xsAll = new List<double>();
        var ysAll = new List<double>();
        for (int i = 0; i < series.Count; i++)
        {
            var s = series[i];
            var color = palette.GetColor(i);
            double[] xs = Transform(s.X, logX);
            double[] ys = Transform(s.Y, logY);
            xsAll.AddRange(xs);
            ysAll.AddRange(ys);
            if (s.Low is { } low && s.High is { } high)
            {
                // The band is drawn only where both edges are known; on a log axis an edge at or below zero is clipped
                // to the smallest positive value drawn, so the band still shows (it then reaches the bottom).
                double floor = logY ? s.Y.Concat(low).Concat(high).Where(v => v > 0).DefaultIfEmpty(1).Min() : double.NegativeInfinity;
                var known = Enumerable.Range(0, s.X.Length).Where(j => double.IsFinite(low[j]) && double.IsFinite(high[j])).ToArray();
                if (known.Length > 1)
                {
                    double[] bx = known.Select(j => xs[j]).ToArray();
                    double[] bl = Transform(known.Select(j => Math.Max(low[j], floor)).ToArray(), logY);
                    double[] bh = Transform(known.Select(j => high[j]).ToArray(), logY);
                    var band = plot.Add.FillY(bx, bl, bh);
                    band.FillStyle.Color = color.WithAlpha(0.2);
                    band.LineStyle.Width = 0;
                    ysAll.AddRange(bl);
                    ysAll.AddRange(bh);
                }
                else if (known.Length == 1)
                {
                    int j = known[0];
                    var bar = plot.Add.Line(xs[j], Transform([Math.Max(low[j], floor)], logY)[0], xs[j], Transform([high[j]], logY)[0]);
                    bar.Color = color;
                }
            }
            var line = plot.Add.Scatter(xs, ys);
            line.Color = color;
            line.LegendText = s.Name;
            line.MarkerSize = xs.Length <= 30 ? 6 : 0;
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        if (logX) plot.Axes.Bottom.TickGenerator = LogTickGenerator(xsAll);
        if (logY) plot.Axes.Left.TickGenerator = LogTickGenerator(ysAll);
        // Outside the data: the last points of a learning curve (the figures a report is about) stay visible.
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    private static double[] Transform(double[] values, bool log) =>
        log ? values.Select(v => v > 0 ? Math.Log10(v) : double.NaN).ToArray() : values;

    /// <summary>
    /// Ticks of a log10 axis labelled with the values themselves (label null: a minor tick): powers of ten when the data
    /// spans many decades, 1-2-5 steps when fewer, every integer multiple of the decade when it spans less than one.
    /// </summary>
    public static IReadOnlyList<(double Position, string? Label)> LogTicks(IEnumerable<double> log10Values)
    {
        var finite = log10Values.Where(double.IsFinite).ToArray();
        double lo = finite.Length == 0 ? 0 : finite.Min(), hi = finite.Length == 0 ? 1 : finite.Max();
        double span = hi - lo;
        int[] majors = span >= 2.5 ? [1] : span >= 0.6 ? [1, 2, 5] : [1, 2, 3, 4, 5, 6, 7, 8, 9];
        var ticks = new List<(double, string?)>();
        for (int decade = (int)Math.Floor(lo) - 1; decade <= (int)Math.Ceiling(hi) + 1; decade++)
        {
            for (int m = 1; m <= 9; m++)
            {
                double value = m * Math.Pow(10, decade);
                ticks.Add((Math.Log10(value), majors.Contains(m) ? value.ToString("G3", CultureInfo.InvariantCulture) : null));
            }
        }
        return ticks;
    }

    private static ScottPlot.TickGenerators.NumericManual LogTickGenerator(IEnumerable<double> log10Values)
    {
        var generator = new ScottPlot.TickGenerators.NumericManual();
        foreach (var (position, label) in LogTicks(log10Values))
        {
            if (label is null) generator.AddMinor(position);
            else generator.AddMajor(position, label);
        }
        return generator;
    }
}
