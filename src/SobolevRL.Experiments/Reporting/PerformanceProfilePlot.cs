using ScottPlot;
using SobolevRL.Evaluation.Aggregates;

namespace SobolevRL.Reporting;

/// <summary>Draws performance profiles (fraction of runs above τ against τ) with their bootstrap bands into a PNG.</summary>
public static class PerformanceProfilePlot
{
    /// <summary>Saves one line per method, each over a shaded band of its confidence interval.</summary>
    public static void Save(string path, string title, string scoreLabel, IEnumerable<(string Name, PerformanceProfile Profile)> methods, int width = 640, int height = 420)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int index = 0;
        foreach (var (name, profile) in methods)
        {
            var color = palette.GetColor(index++);
            var band = plot.Add.FillY(profile.Taus, profile.Fractions.Select(f => f.Low).ToArray(), profile.Fractions.Select(f => f.High).ToArray());
            band.FillStyle.Color = color.WithAlpha(0.25);
            band.LineStyle.Width = 0;
            var line = plot.Add.Scatter(profile.Taus, profile.Fractions.Select(f => f.Point).ToArray());
            line.Color = color;
            line.MarkerSize = 0;
            line.LegendText = name;
        }
        plot.Title(title);
        plot.XLabel($"{scoreLabel} (τ)");
        plot.YLabel($"fraction of runs with score > τ");
        plot.Axes.SetLimitsY(0, 1);
        plot.ShowLegend();
        plot.SavePng(path, width, height);
    }
}
