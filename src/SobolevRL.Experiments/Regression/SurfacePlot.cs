using ScottPlot;

namespace SobolevRL.Regression;

/// <summary>
/// Heatmaps of a function's true surface and of the Regular and Sobolev fits side by side, with the
/// training points marked; all panels share the colour range of the true surface.
/// </summary>
public static class SurfacePlot
{
    /// <summary>Writes the PNG to <paramref name="path"/>.</summary>
    public static void Save(string path, TestFunction function, int gridSize, RegressionSample train, IReadOnlyList<(string Title, double[] Values)> panels)
    {
        var domain = function.Domain;
        var truthRange = panels[0].Values;
        var range = new ScottPlot.Range(truthRange.Min(), truthRange.Max());
        // A new multiplot already holds one empty plot: it becomes the first panel.
        var multiplot = new Multiplot();
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        for (int p = 0; p < panels.Count; p++)
        {
            var (title, values) = panels[p];
            var plot = p == 0 ? multiplot.GetPlot(0) : multiplot.AddPlot();
            var heatmap = plot.Add.Heatmap(ToRows(values, gridSize));
            heatmap.Extent = new CoordinateRect(domain.X1Min, domain.X1Max, domain.X2Min, domain.X2Max);
            heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
            heatmap.ManualRange = range;
            var points = plot.Add.ScatterPoints(train.X1, train.X2);
            points.Color = Colors.Red;
            points.MarkerSize = 5;
            plot.Title($"{function.Name}: {title}");
            plot.XLabel("x1");
            plot.YLabel("x2");
            plot.Axes.SetLimits(domain.X1Min, domain.X1Max, domain.X2Min, domain.X2Max);
        }

        var lastPlot = multiplot.GetPlot(panels.Count - 1);
        var colorBar = lastPlot.Add.ColorBar(lastPlot.GetPlottables<ScottPlot.Plottables.Heatmap>().First());
        colorBar.Label = $"{function.Name} value f(x1, x2) (all panels)";
        multiplot.SavePng(path, 460 * panels.Count, 420);
    }

    // Heatmap rows run from the top of the image down, so the largest x2 comes first.
    private static double[,] ToRows(double[] values, int size)
    {
        var rows = new double[size, size];
        for (int row = 0; row < size; row++)
        {
            for (int col = 0; col < size; col++)
            {
                rows[size - 1 - row, col] = values[(row * size) + col];
            }
        }

        return rows;
    }
}
