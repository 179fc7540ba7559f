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
        Assert.Equal(train.D1[0], d1, 4);
        Assert.Equal(train.D2[0], d2, 4);
        Assert.Equal(train.Values[7], n.ValueToOriginal((train.Values[7] - n.Mean) / n.Scale), 9);
    }
}
