using System.Diagnostics;
using System.Globalization;
using System.Text;
using SobolevRL.Hardware;
using SobolevRL.Runs;
using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Regression;

/// <summary>Progress of <see cref="RegressionExperiment.Run"/>: models trained so far out of the total.</summary>
/// <param name="Completed">Models trained (hyperparameter-search fits included).</param>
/// <param name="Total">Models to train.</param>
/// <param name="Last">The scored run just finished (null after a search fit).</param>
public sealed record RegressionProgress(int Completed, int Total, RegressionRun? Last);

/// <summary>
/// Paper experiment 1: fit each test function from small uniform samples with Regular (values)
/// and Sobolev (values + gradients) training under the same Adam budget, and measure test errors.
/// </summary>
/// <remarks>
/// Writes into the output directory: <c>summary.json</c> (<see cref="RegressionReport"/>),
/// <c>report.md</c> (tables and plots), and per function <c>surfaces/&lt;name&gt;.csv</c> (true surface and
/// both fits on a grid, from the smallest training size and the first seed) and
/// <c>plots/&lt;name&gt;.png</c>. Same options, same results on CPU.
/// With <see cref="RegressionOptions.ValidationPoints"/> every model keeps its best-validation snapshot, and the
/// learning-rate and λ grids are searched per function, size and mode on that validation sample (from training samples
/// of their own seeds) before the scored seeds train with the chosen values. Every fit is recorded in <c>fits/</c>, so a
/// run continued in the same directory trains only what is missing.
/// </remarks>
public static class RegressionExperiment
{
    // Seed indices of the search's training samples: far from the scored seeds 0, 1, ….
    private const int TuningSeedBase = 500;

    /// <summary>The modes the options train: Regular, Sobolev, and the 3n control when asked for.</summary>
    public static IReadOnlyList<RegressionMode> Modes(RegressionOptions options) =>
        options.RegularOnThreeN ? [RegressionMode.Regular, RegressionMode.Sobolev, RegressionMode.RegularOnThreeN] : [RegressionMode.Regular, RegressionMode.Sobolev];

    /// <summary>Models the options train, search fits included.</summary>
    public static int ModelCount(RegressionOptions options)
    {
        int rates = Math.Max(1, options.LearningRateGrid.Length), lambdas = Math.Max(1, options.LambdaGrid.Length);
        bool searched = options.LearningRateGrid.Length > 0 || options.LambdaGrid.Length > 0;
        int perSize = Modes(options).Sum(m => (searched ? rates * (m == RegressionMode.Sobolev ? lambdas : 1) * options.TuningSeeds : 0) + options.Seeds);
        return options.Functions.Length * options.Sizes.Length * perSize;
    }

    /// <summary>Runs the experiment, writes its files into <paramref name="outputDirectory"/> and returns the report.</summary>
    public static RegressionReport Run(
        RegressionOptions options, string outputDirectory, IProgress<RegressionProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var functions = options.ResolveFunctions();
        var device = Devices.Parse(options.Device);
        Directory.CreateDirectory(outputDirectory);
        var clock = Stopwatch.StartNew();
        var fits = new FitStore(Path.Combine(outputDirectory, "fits"), options);

        var tests = functions.Select((f, i) => RegressionSample.Uniform(f, options.TestPoints, DerivedSeed(options.BaseSeed, f, 0, -1))).ToArray();
        var validations = functions.Select(f => options.ValidationPoints > 0 ? RegressionSample.Uniform(f, options.ValidationPoints, DerivedSeed(options.BaseSeed, f, 0, -2)) : null).ToArray();
        var infos = functions.Select((f, i) => Describe(f, tests[i])).ToArray();
        var runs = new List<RegressionRun>();
        var trials = new List<RegressionTrial>();
        int completed = 0, total = ModelCount(options);
        void Done(RegressionRun? run) => progress?.Report(new RegressionProgress(++completed, total, run));

        // These models are too small to gain from intra-op threads (on a busy machine extra threads
        // only spin). Models train one after another: TorchSharp 0.107 crashed ("Unknown scalar
        // type" in pow) when two threads trained models at the same time.
        ShardThreads.OnOneThread(() =>
        {
            for (int f = 0; f < functions.Count; f++)
            {
                foreach (var size in options.Sizes)
                {
                    var settings = new Dictionary<RegressionMode, RegressionFitSettings>();
                    foreach (var mode in Modes(options))
                    {
                        settings[mode] = Search(options, functions[f], validations[f], size, mode, device, fits, trials, Done, cancellationToken);
                    }

                    for (int s = 0; s < options.Seeds; s++)
                    {
                        foreach (var run in RunJob(options, settings, functions[f], infos[f], tests[f], validations[f], size, s, device, outputDirectory, fits, cancellationToken))
                        {
                            runs.Add(run);
                            Done(run);
                        }
                    }
                }
            }
        });

        var cells = runs
            .GroupBy(r => (r.Function, r.Size, r.Mode))
            .Select(g => new RegressionCell(
                g.Key.Function, g.Key.Size, g.Key.Mode,
                MeanStd.Of(g.Select(r => r.ValueMse)), MeanStd.Of(g.Select(r => r.GradientMse)),
                MeanStd.Of(g.Select(r => r.RelativeValueMse)), MeanStd.Of(g.Select(r => r.RelativeGradientMse))))
            .ToArray();
        var report = new RegressionReport(options, infos, cells, runs, clock.Elapsed.TotalSeconds, trials);
        RunDirectory.WriteAtomic(Path.Combine(outputDirectory, RunDirectory.SummaryFile), report.ToJson());
        RunDirectory.WriteAtomic(Path.Combine(outputDirectory, RunDirectory.ReportFile), report.ToMarkdownReport());
        return report;
    }

    // The settings of a mode: without grids the options' own; with grids, the point of lowest geometric-mean best
    // validation MSE over the tuning samples (ties: the first in grid order).
    private static RegressionFitSettings Search(
        RegressionOptions options, TestFunction function, RegressionSample? validation, int size, RegressionMode mode, Device device,
        FitStore fits, List<RegressionTrial> trials, Action<RegressionRun?> done, CancellationToken cancellationToken)
    {
        double[] rates = options.LearningRateGrid.Length > 0 ? options.LearningRateGrid : [options.LearningRate];
        double[] lambdas = mode != RegressionMode.Sobolev ? [0] : options.LambdaGrid.Length > 0 ? options.LambdaGrid : [options.DerivativeWeight];
        if (options.LearningRateGrid.Length == 0 && options.LambdaGrid.Length == 0)
        {
            return new RegressionFitSettings(mode, rates[0], lambdas[0], options.Steps, options.Hidden);
        }

        var points = new List<(RegressionFitSettings Settings, double Score)>();
        foreach (var rate in rates)
        {
            foreach (var lambda in lambdas)
            {
                var settings = new RegressionFitSettings(mode, rate, lambda, options.Steps, options.Hidden);
                double logSum = 0;
                for (int t = 0; t < options.TuningSeeds; t++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var seedIndex = TuningSeedBase + t;
                    var run = fits.GetOrAdd(function, size, settings, seedIndex, () =>
                    {
                        var (train, sampleSeed) = TrainingSample(options, function, size, mode, seedIndex);
                        var normalisation = Normalisation.Fit(function, train);
                        var clock = Stopwatch.StartNew();
                        var fit = RegressionTrainer.Fit(train, normalisation, settings, sampleSeed, device, validation, options.ValidationEvery);
                        using var model = fit.Model;
                        return new RegressionRun(function.Name, size, mode, options.BaseSeed + seedIndex, double.NaN, double.NaN, double.NaN, double.NaN, fit.FinalLoss,
                            clock.Elapsed.TotalSeconds, rate, lambda, fit.BestStep, fit.ValidationMse * normalisation.Scale * normalisation.Scale);
                    });
                    logSum += Math.Log(Math.Max(run.ValidationMse, double.Epsilon));
                    done(null);
                }

                points.Add((settings, Math.Exp(logSum / options.TuningSeeds)));
            }
        }

        var chosen = points.MinBy(p => double.IsNaN(p.Score) ? double.PositiveInfinity : p.Score);
        trials.AddRange(points.Select(p => new RegressionTrial(function.Name, size, mode, p.Settings.LearningRate, p.Settings.Lambda, p.Score, ReferenceEquals(p.Settings, chosen.Settings))));
        return chosen.Settings;
    }

    // The training sample of a mode and seed: n uniform points, or 3n for the control (the same generator draws the n
    // points first, so the control's sample extends the n-point one). Returns it with the seed of the sample and weights.
    private static (RegressionSample Sample, long Seed) TrainingSample(RegressionOptions options, TestFunction function, int size, RegressionMode mode, int seedIndex)
    {
        var seed = DerivedSeed(options.BaseSeed, function, size, seedIndex);
        return (RegressionSample.Uniform(function, mode == RegressionMode.RegularOnThreeN ? 3 * size : size, seed), seed);
    }

    // One training sample: every mode from the same seed (same initial weights; the control's sample extends the others').
    private static IEnumerable<RegressionRun> RunJob(
        RegressionOptions options, Dictionary<RegressionMode, RegressionFitSettings> settings, TestFunction function, RegressionFunctionInfo info,
        RegressionSample test, RegressionSample? validation, int size, int seedIndex, Device device, string outputDirectory, FitStore fits,
        CancellationToken cancellationToken)
    {
        var grid = options.GridSize > 1 && size == options.Sizes.Min() && seedIndex == 0
            ? RegressionSample.Grid(function, options.GridSize)
            : null;
        var surfaces = new List<(string, double[])>();
        var runs = new List<RegressionRun>();
        RegressionSample? shown = null;
        foreach (var mode in Modes(options))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var s = settings[mode];
            var (train, sampleSeed) = TrainingSample(options, function, size, mode, seedIndex);
            shown ??= train;
            RegressionRun Train()
            {
                var normalisation = Normalisation.Fit(function, train);
                var clock = Stopwatch.StartNew();
                var fit = RegressionTrainer.Fit(train, normalisation, s, sampleSeed, device, validation, options.ValidationEvery);
                using var model = fit.Model;
                var seconds = clock.Elapsed.TotalSeconds;
                var predictions = RegressionPredictions.Of(model, normalisation, test, device);
                var valueMse = predictions.ValueMse(test);
                var gradientMse = predictions.GradientMse(test);
                if (grid is not null && mode != RegressionMode.RegularOnThreeN)
                {
                    surfaces.Add((mode.ToString(), RegressionPredictions.Of(model, normalisation, grid, device).Values));
                }

                return new RegressionRun(
                    function.Name, size, mode, options.BaseSeed + seedIndex, valueMse, gradientMse,
                    valueMse / info.TestValueVariance, gradientMse / info.TestGradientMeanSquare, fit.FinalLoss, seconds,
                    s.LearningRate, s.Lambda, fit.BestStep, fit.ValidationMse * normalisation.Scale * normalisation.Scale);
            }

            // The plotted seed always trains (its surfaces need the model); the others come from fits/ when recorded.
            runs.Add(grid is not null ? fits.Put(function, size, s, seedIndex, Train()) : fits.GetOrAdd(function, size, s, seedIndex, Train));
        }

        if (grid is not null)
        {
            WriteSurfaces(outputDirectory, function, options.GridSize, grid, shown!, surfaces, size);
        }

        return runs;
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

/// <summary>
/// Every fit of a regression run as one JSON file in <c>fits/</c>, named by everything that decides it (function, size,
/// mode, learning rate, λ, seed, and the run-wide steps, width, base seed, validation and test sizes): a run continued in
/// its directory reads what was recorded and trains the rest.
/// </summary>
internal sealed class FitStore(string directory, RegressionOptions options)
{
    private readonly string _common = string.Create(CultureInfo.InvariantCulture,
        $"st{options.Steps}-h{options.Hidden}-b{options.BaseSeed}-v{options.ValidationPoints}x{options.ValidationEvery}-t{options.TestPoints}");

    public RegressionRun GetOrAdd(TestFunction function, int size, RegressionFitSettings settings, int seedIndex, Func<RegressionRun> train)
    {
        var path = PathOf(function, size, settings, seedIndex);
        if (File.Exists(path))
        {
            var saved = System.Text.Json.JsonSerializer.Deserialize<RegressionRun>(File.ReadAllText(path), Json.Options);
            if (saved is not null) return saved;
        }

        return Put(function, size, settings, seedIndex, train());
    }

    public RegressionRun Put(TestFunction function, int size, RegressionFitSettings settings, int seedIndex, RegressionRun run)
    {
        Directory.CreateDirectory(directory);
        RunDirectory.WriteAtomic(PathOf(function, size, settings, seedIndex), Json.Serialize(run));
        return run;
    }

    private string PathOf(TestFunction function, int size, RegressionFitSettings s, int seedIndex) =>
        Path.Combine(directory, string.Create(CultureInfo.InvariantCulture,
            $"{function.Name}-n{size}-{s.Mode}-lr{s.LearningRate:R}-l{s.Lambda:R}-s{seedIndex}-{_common}.json"));
}
