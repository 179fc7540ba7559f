using System.Diagnostics;
using System.Globalization;
using System.Text;
using SobolevRL.Hardware;
using SobolevRL.Runs;
using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Regression;

/// <summary>Progress of <see cref="RegressionExperiment.Run"/>: models trained so far out of the total.</summary>
/// <param name="Completed">Models trained.</param>
/// <param name="Total">Models to train.</param>
/// <param name="Last">The run just finished.</param>
public sealed record RegressionProgress(int Completed, int Total, RegressionRun Last);

/// <summary>
/// Paper experiment 1: fit each test function from small uniform samples with Regular (values)
/// and Sobolev (values + gradients) training under the same Adam budget, and measure test errors.
/// </summary>
/// <remarks>
/// Writes into the output directory: <c>summary.json</c> (<see cref="RegressionReport"/>),
/// <c>report.md</c> (tables and plots), and per function <c>surfaces/&lt;name&gt;.csv</c> (true surface and
/// both fits on a grid, from the smallest training size and the first seed) and
/// <c>plots/&lt;name&gt;.png</c>. Same options, same results on CPU.
/// </remarks>
public static class RegressionExperiment
{
    /// <summary>Runs the experiment, writes its files into <paramref name="outputDirectory"/> and returns the report.</summary>
    public static RegressionReport Run(
        RegressionOptions options, string outputDirectory, IProgress<RegressionProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var functions = options.ResolveFunctions();
        var device = Devices.Parse(options.Device);
        Directory.CreateDirectory(outputDirectory);
        var clock = Stopwatch.StartNew();

        var tests = functions.Select((f, i) => RegressionSample.Uniform(f, options.TestPoints, DerivedSeed(options.BaseSeed, f, 0, -1))).ToArray();
        var infos = functions.Select((f, i) => Describe(f, tests[i])).ToArray();
        var jobs = (from f in Enumerable.Range(0, functions.Count)
                    from size in options.Sizes
                    from s in Enumerable.Range(0, options.Seeds)
                    select (Function: f, Size: size, Seed: s)).ToArray();
        var results = new RegressionRun[jobs.Length][];
        int completed = 0;

        // These models are too small to gain from intra-op threads (on a busy machine extra threads
        // only spin). Models train one after another: TorchSharp 0.107 crashed ("Unknown scalar
        // type" in pow) when two threads trained models at the same time.
        var threads = torch.get_num_threads();
        torch.set_num_threads(1);
        try
        {
            for (int j = 0; j < jobs.Length; j++)
            {
                var (f, size, s) = jobs[j];
                results[j] = RunJob(options, functions[f], infos[f], tests[f], size, s, device, outputDirectory, cancellationToken);
                foreach (var run in results[j])
                {
                    progress?.Report(new RegressionProgress(++completed, jobs.Length * 2, run));
                }
            }
        }
        finally
        {
            torch.set_num_threads(threads);
        }

        var runs = results.SelectMany(r => r).ToArray();
        var cells = runs
            .GroupBy(r => (r.Function, r.Size, r.Mode))
            .Select(g => new RegressionCell(
                g.Key.Function, g.Key.Size, g.Key.Mode,
                MeanStd.Of(g.Select(r => r.ValueMse)), MeanStd.Of(g.Select(r => r.GradientMse)),
                MeanStd.Of(g.Select(r => r.RelativeValueMse)), MeanStd.Of(g.Select(r => r.RelativeGradientMse))))
            .ToArray();
        var report = new RegressionReport(options, infos, cells, runs, clock.Elapsed.TotalSeconds);
        RunDirectory.WriteAtomic(Path.Combine(outputDirectory, RunDirectory.SummaryFile), report.ToJson());
        RunDirectory.WriteAtomic(Path.Combine(outputDirectory, RunDirectory.ReportFile), report.ToMarkdownReport());
        return report;
    }

    // One training sample: Regular and Sobolev from the same data and initial weights.
    private static RegressionRun[] RunJob(
        RegressionOptions options, TestFunction function, RegressionFunctionInfo info, RegressionSample test,
        int size, int seedIndex, Device device, string outputDirectory, CancellationToken cancellationToken)
    {
        var sampleSeed = DerivedSeed(options.BaseSeed, function, size, seedIndex);
        var train = RegressionSample.Uniform(function, size, sampleSeed);
        var normalisation = Normalisation.Fit(function, train);
        var grid = options.GridSize > 1 && size == options.Sizes.Min() && seedIndex == 0
            ? RegressionSample.Grid(function, options.GridSize)
            : null;
        var surfaces = new List<(string, double[])>();
        var runs = new List<RegressionRun>();
        foreach (var mode in new[] { RegressionMode.Regular, RegressionMode.Sobolev })
        {
            cancellationToken.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            var (model, finalLoss) = RegressionTrainer.Train(train, normalisation, mode, options, sampleSeed, device);
            using (model)
            {
                var seconds = clock.Elapsed.TotalSeconds;
                var predictions = RegressionPredictions.Of(model, normalisation, test, device);
                var valueMse = predictions.ValueMse(test);
                var gradientMse = predictions.GradientMse(test);
                runs.Add(new RegressionRun(
                    function.Name, size, mode, options.BaseSeed + seedIndex, valueMse, gradientMse,
                    valueMse / info.TestValueVariance, gradientMse / info.TestGradientMeanSquare, finalLoss, seconds));
                if (grid is not null)
                {
                    surfaces.Add((mode.ToString(), RegressionPredictions.Of(model, normalisation, grid, device).Values));
                }
            }
        }

        if (grid is not null)
        {
            WriteSurfaces(outputDirectory, function, options.GridSize, grid, train, surfaces, size);
        }

        return runs.ToArray();
    }

    // Distinct, reproducible seeds per (function, size, seed); size −1 marks the test set. A function enters by its
    // fixed place in the catalog (i.e. by name), not its place in --functions, so a subset reproduces the full run's
    // numbers for the functions it keeps.
    private static long DerivedSeed(int baseSeed, TestFunction function, int size, int seed) =>
        (((long)baseSeed * 1_000_003) + (CatalogIndex(function) * 10_007L) + (size * 101L) + seed) & 0x7FFF_FFFF;

    private static int CatalogIndex(TestFunction function) =>
        TestFunctions.All.Select((f, i) => (f, i)).First(p => p.f.Name == function.Name).i;

    private static RegressionFunctionInfo Describe(TestFunction function, RegressionSample test)
    {
        var mean = test.Values.Average();
        var variance = test.Values.Average(v => (v - mean) * (v - mean));
        var gradientSquare = Enumerable.Range(0, test.Count).Average(i => (test.D1[i] * test.D1[i]) + (test.D2[i] * test.D2[i]));
        return new RegressionFunctionInfo(function.Name, function.Domain, variance, gradientSquare);
    }

    private static void WriteSurfaces(
        string outputDirectory, TestFunction function, int gridSize, RegressionSample grid, RegressionSample train,
        List<(string Title, double[] Values)> fits, int size)
    {
        var surfaces = Directory.CreateDirectory(Path.Combine(outputDirectory, "surfaces"));
        var csv = new StringBuilder("x1,x2,true,regular,sobolev\n");
        for (int i = 0; i < grid.Count; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{grid.X1[i]:R},{grid.X2[i]:R},{grid.Values[i]:R},{fits[0].Values[i]:R},{fits[1].Values[i]:R}\n");
        }

        File.WriteAllText(Path.Combine(surfaces.FullName, $"{function.Name}.csv"), csv.ToString());
        var plots = Directory.CreateDirectory(Path.Combine(outputDirectory, "plots"));
        var panels = new List<(string, double[])> { ("true", grid.Values) };
        panels.AddRange(fits.Select(p => ($"{p.Title}, n = {size}", p.Values)));
        SurfacePlot.Save(Path.Combine(plots.FullName, $"{function.Name}.png"), function, gridSize, train, panels);
    }
}
