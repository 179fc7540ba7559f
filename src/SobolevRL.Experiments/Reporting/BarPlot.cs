using ScottPlot;

namespace SobolevRL.Reporting;

/// <summary>One series of a <see cref="BarPlot"/>: a value per category, and optionally a symmetric error (e.g. a 95% CI half-width).</summary>
/// <param name="Name">Legend text.</param>
/// <param name="Values">One value per category (NaN: no bar).</param>
/// <param name="Errors">Half-widths of the error bars (null: none; NaN where unknown).</param>
public sealed record BarSeries(string Name, double[] Values, double[]? Errors = null);

/// <summary>Grouped bars into a PNG: one group per category, one bar per series in each group, the legend to the right.</summary>
public static class BarPlot
{
    /// <summary>Saves the grouped bar plot of <paramref name="series"/> over <paramref name="categories"/>.</summary>
    public static void Save(string path, string title, string yLabel, IReadOnlyList<string> categories, IReadOnlyList<BarSeries> series, int width = 900, int height = 440)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        double slot = 0.8 / Math.Max(1, series.Count);
        for (int s = 0; s < series.Count; s++)
        {
            var color = palette.GetColor(s);
            var bars = new List<Bar>();
            for (int c = 0; c < categories.Count; c++)
            {
                double v = series[s].Values[c];
                if (!double.IsFinite(v)) continue;
                double e = series[s].Errors is { } errors && double.IsFinite(errors[c]) ? errors[c] : 0;
                bars.Add(new Bar { Position = c - 0.4 + slot * (s + 0.5), Value = v, Error = e, FillColor = color, Size = slot * 0.9 });
            }
            plot.Add.Bars(bars);
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = series[s].Name, FillColor = color });
        }
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, categories.Count).Select(i => (double)i)], [.. categories]);
        plot.Title(title);
        plot.YLabel(yLabel);
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, width, height);
    }
}
