using SobolevRL.Regression;

namespace SobolevRL.Tests.Regression;

[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public sealed class RegressionExperimentTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"sobolevrl-regression-{Guid.NewGuid():N}");

    // Small enough to run in seconds; the paper's settings are the defaults of RegressionOptions.
    private static readonly RegressionOptions Quick = new()
    {
        Functions = ["mccormick"],
        Sizes = [20],
        Seeds = 1,
        Steps = 300,
        Hidden = 64,
        TestPoints = 2000,
        GridSize = 20,
    };

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void QuickRun_SobolevFitsGradientsAndValuesBetter_AndWritesItsFiles()
    {
        var report = RegressionExperiment.Run(Quick, _directory, cancellationToken: TestContext.Current.CancellationToken);

        var regular = report.Cell("mccormick", 20, RegressionMode.Regular)!;
        var sobolev = report.Cell("mccormick", 20, RegressionMode.Sobolev)!;
        Assert.True(sobolev.GradientMse.Mean < 0.8 * regular.GradientMse.Mean,
            $"gradient error: Sobolev {sobolev.GradientMse}, Regular {regular.GradientMse}");
        Assert.True(sobolev.ValueMse.Mean < regular.ValueMse.Mean, $"value MSE: Sobolev {sobolev.ValueMse}, Regular {regular.ValueMse}");
        Assert.All(report.Runs, r => Assert.True(r.RelativeValueMse < 1.0, $"{r.Mode} does not beat predicting the mean"));

        var json = File.ReadAllText(Path.Combine(_directory, "summary.json"));
        var reread = RegressionReport.FromJson(json);
        Assert.Equal(report.Runs, reread.Runs);
        Assert.Equal(report.Functions[0].Domain, reread.Functions[0].Domain);
        Assert.Contains("| mccormick | 20 |", File.ReadAllText(Path.Combine(_directory, "report.md")));

        var csv = File.ReadAllLines(Path.Combine(_directory, "surfaces", "mccormick.csv"));
        Assert.Equal("x1,x2,true,regular,sobolev", csv[0]);
        Assert.Equal(1 + (20 * 20), csv.Length);
        var png = File.ReadAllBytes(Path.Combine(_directory, "plots", "mccormick.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
    }

    [Fact]
    public void AFunctionGivesTheSameResultsAloneAsInAList()
    {
        var options = Quick with { Seeds = 2, Steps = 10, Hidden = 8, TestPoints = 100, GridSize = 0 };
        var alone = RegressionExperiment.Run(options with { Functions = ["mccormick"] }, Path.Combine(_directory, "alone"), cancellationToken: TestContext.Current.CancellationToken);
        var listed = RegressionExperiment.Run(options with { Functions = ["booth", "mccormick"] }, Path.Combine(_directory, "listed"), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(alone.Runs.Select(r => r with { Seconds = 0 }), listed.Runs.Where(r => r.Function == "mccormick").Select(r => r with { Seconds = 0 }));
    }

    [Fact]
    public void SameOptions_GiveTheSameResults()
    {
        var options = Quick with { Functions = ["booth"], Seeds = 2, Steps = 10, Hidden = 8, TestPoints = 100, GridSize = 0 };
        var one = RegressionExperiment.Run(options, Path.Combine(_directory, "one"), cancellationToken: TestContext.Current.CancellationToken);
        var two = RegressionExperiment.Run(options, Path.Combine(_directory, "two"), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(one.Runs.Select(r => r with { Seconds = 0 }), two.Runs.Select(r => r with { Seconds = 0 }));
    }

    [Fact]
    public void FairProtocol_SearchesOnValidation_KeepsTheBestSnapshot_TrainsTheControl_AndResumes()
    {
        var options = Quick with
        {
            Sizes = [10],
            Seeds = 3,
            Steps = 60,
            Hidden = 16,
            TestPoints = 200,
            GridSize = 0,
            ValidationPoints = 200,
            ValidationEvery = 20,
            LearningRateGrid = [1e-3, 1e-2],
            LambdaGrid = [0.1, 1],
            TuningSeeds = 1,
            RegularOnThreeN = true,
        };
        var dir = Path.Combine(_directory, "fair");
        int fitted = 0;
        var report = RegressionExperiment.Run(options, dir, new SyncProgress(() => fitted++), TestContext.Current.CancellationToken);
        Assert.Equal(RegressionExperiment.ModelCount(options), fitted);
        Assert.Equal(2 + 4 + 2 + 3 * 3, fitted);

        // One chosen point per mode, the one of lowest validation score; the scored seeds train with it.
        Assert.Equal(8, report.Trials!.Count);
        foreach (var group in report.Trials.GroupBy(t => t.Mode))
        {
            var chosen = Assert.Single(group, t => t.Chosen);
            Assert.Equal(group.Min(t => t.ValidationMse), chosen.ValidationMse);
            Assert.All(report.Runs.Where(r => r.Mode == group.Key), r => Assert.Equal((chosen.LearningRate, chosen.Lambda), (r.LearningRate, r.Lambda)));
        }

        Assert.All(report.Trials.Where(t => t.Mode != RegressionMode.Sobolev), t => Assert.Equal(0, t.Lambda));
        Assert.Equal(9, report.Runs.Count);
        Assert.All(report.Runs, r => Assert.True(r.BestStep % 20 == 0 && r.BestStep <= 60 && double.IsFinite(r.ValidationMse), $"{r.Mode}: step {r.BestStep}, validation {r.ValidationMse}"));
        var text = File.ReadAllText(Path.Combine(dir, "report.md"));
        Assert.Contains("Wilcoxon p vs 3n", text);
        Assert.Contains("| mccormick | 10 |", text);

        // A second run in the directory reads every fit from fits/: identical runs, Seconds included (nothing retrained).
        var again = RegressionExperiment.Run(options, dir, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(report.Runs, again.Runs);
        Assert.Equal(report.Trials, again.Trials);
    }

    [Fact]
    public void TheControlsSampleExtendsTheNPointSample()
    {
        var function = TestFunctions.ByName("ackley-5");
        Assert.Equal(Domain.Square(-5, 5), function.Domain);
        var small = RegressionSample.Uniform(function, 7, seed: 11);
        var large = RegressionSample.Uniform(function, 21, seed: 11);
        Assert.Equal(small.X1, large.X1[..7]);
        Assert.Equal(small.X2, large.X2[..7]);
        Assert.Equal(function.Value(1, 2), TestFunctions.ByName("ackley").Value(1, 2));
    }

    [Fact]
    public void BestSnapshot_IsTheModelOfLowestValidationMse()
    {
        var function = TestFunctions.ByName("booth");
        var train = RegressionSample.Uniform(function, 15, seed: 1);
        var validation = RegressionSample.Uniform(function, 100, seed: 2);
        var n = Normalisation.Fit(function, train);
        // A learning rate high enough that the validation error does not fall monotonically.
        var settings = new RegressionFitSettings(RegressionMode.Regular, 3e-2, 0, 200, 32);
        var checkpoints = new List<double>();
        for (int steps = 0; steps <= 200; steps += 25)
        {
            using var plain = RegressionTrainer.Fit(train, n, settings with { Steps = steps }, 5, TorchSharp.torch.CPU).Model;
            checkpoints.Add(ValidationMse(plain, n, validation));
        }

        var fit = RegressionTrainer.Fit(train, n, settings, 5, TorchSharp.torch.CPU, validation, validateEvery: 25);
        using var model = fit.Model;
        int best = checkpoints.IndexOf(checkpoints.Min());
        Assert.Equal(25 * best, fit.BestStep);
        Assert.Equal(checkpoints.Min(), fit.ValidationMse, 1e-5);
        Assert.Equal(fit.ValidationMse, ValidationMse(model, n, validation), 1e-6);
    }

    [Fact]
    public void AGridWithoutAValidationSampleIsAUserError()
    {
        var error = Assert.Throws<UserErrorException>(() => (Quick with { LambdaGrid = [0.1, 1] }).Validate(""));
        Assert.Contains("`validation_points`", error.Message);
    }

    private static double ValidationMse(RegressionMlp model, Normalisation n, RegressionSample validation)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        using var _ = TorchSharp.torch.no_grad();
        var d = model.forward(n.Inputs(validation, TorchSharp.torch.CPU)) - n.Values(validation, TorchSharp.torch.CPU);
        return (d * d).mean().item<float>();
    }

    private sealed class SyncProgress(Action onReport) : IProgress<RegressionProgress>
    {
        public void Report(RegressionProgress value) => onReport();
    }

    [Fact]
    public void Normalisation_MapsTheDomainToTheUnitBox_AndGradientsByTheChainRule()
    {
        var function = TestFunctions.ByName("mccormick");
        var train = RegressionSample.Uniform(function, 50, seed: 3);
        var n = Normalisation.Fit(function, train);
        using var x = n.Inputs(train, TorchSharp.torch.CPU);
        Assert.InRange(x.min().item<float>(), -1f, -0.8f);
        Assert.InRange(x.max().item<float>(), 0.8f, 1f);
        using var jacobian = n.Jacobian(train, TorchSharp.torch.CPU);
        var (d1, d2) = n.GradientToOriginal(jacobian[0, 0, 0].item<float>(), jacobian[0, 0, 1].item<float>());
        Assert.Equal(train.D1[0], d1, 1e-4);
        Assert.Equal(train.D2[0], d2, 1e-4);
        Assert.Equal(train.Values[7], n.ValueToOriginal((train.Values[7] - n.Mean) / n.Scale), 9);
    }
}
