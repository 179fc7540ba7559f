using SobolevRL.Runs;
using SobolevRL.SyntheticGradients;
using static TorchSharp.torch;

namespace SobolevRL.Tests.SyntheticGradients;

[Collection(TorchGlobalState.Name)]
[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public sealed class ExperimentTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sg-experiment").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // A tiny stand-in for Fashion-MNIST in IDX files: the class is written into the brightness of a quadrant, so it is learnable.
    private string TinyDataset()
    {
        string data = Path.Combine(_dir, "data");
        Directory.CreateDirectory(data);
        var random = new Random(1);
        foreach (var (prefix, count) in new[] { ("train", 96), ("t10k", 32) })
        {
            var labels = Enumerable.Range(0, count).Select(_ => (byte)random.Next(FashionMnist.Classes)).ToArray();
            var images = new byte[count * 28 * 28];
            for (int n = 0; n < count; n++)
                for (int p = 0; p < 28 * 28; p++)
                    images[n * 784 + p] = (byte)(random.Next(64) + (p < 392 ? 19 * labels[n] : 0));
            IdxFileTests.Write(Path.Combine(data, $"{prefix}-images-idx3-ubyte.gz"), [count, 28, 28], images, gzip: true);
            IdxFileTests.Write(Path.Combine(data, $"{prefix}-labels-idx1-ubyte"), [count], labels, gzip: false);
        }
        return data;
    }

    [Fact]
    public void TinyRun_TunesOnValidation_WritesReport_AndResumeRedoesOnlyMissingRunsWithTheSameResults()
    {
        // Runs train side by side (two workers) on pool threads that earlier tests used with other libtorch thread counts;
        // the experiment pins each run to one thread itself (without that, results moved in the 9th digit in CI).
        torch.set_num_threads(2);
        var options = new SyntheticGradientOptions
        {
            DataDir = TinyDataset(),
            Cuts = [3],
            ThreeModuleCuts = [1, 2],
            Seeds = 2,
            Steps = 4,
            BatchSize = 8,
            EvalEvery = 2,
            PredictorChannels = 4,
            ValidationExamples = 32,
            TestExamples = 0,
        };
        string outDir = Path.Combine(_dir, "run");
        var first = SyntheticGradientExperiment.Run(options, outDir, CPU, cancel: TestContext.Current.CancellationToken);

        Assert.Equal((64, 32, 32), (first.TrainExamples, first.ValidationExamples, first.TestExamples));
        Assert.Equal(2 * 2 * 4, first.Runs.Count);
        Assert.All(first.Runs, r => Assert.Equal([2L, 4L], r.Curve.Select(p => p.Step)));
        Assert.All(first.Runs.Where(r => r.Kind != CutKinds.Backprop), r => Assert.Equal(r.Split == "1+2" ? 2 : 1, r.Curve[^1].GradientCosines.Count(double.IsFinite)));
        // Six grid points per kind and split, the best one by validation accuracy chosen and used by every seed.
        Assert.Equal(2 * 4 * 6, first.Tuning.Count);
        foreach (var group in first.Tuning.GroupBy(t => (t.Split, t.Kind)))
        {
            var chosen = Assert.Single(group, t => t.Chosen);
            Assert.Equal(group.Max(t => t.ValidationAccuracy), chosen.ValidationAccuracy);
            Assert.All(first.Runs.Where(r => (r.Split, r.Kind) == group.Key), r => Assert.Equal(chosen.Settings, r.Settings));
        }
        Assert.Equal(2 * 3, first.Comparisons.Count);
        foreach (string file in new[] { RunDirectory.ReportFile, RunDirectory.SummaryFile, SyntheticGradientReport.CurvesFile, SyntheticGradientReport.RunsFile, SyntheticGradientReport.TuningFile, "accuracy_cut3.png", "cosine_cut1_2.png" })
            Assert.True(File.Exists(Path.Combine(outDir, file)), file);
        Assert.Contains("| 1+2 | 16×14×14 \\| 32×7×7 | sobolev-critic |", File.ReadAllText(Path.Combine(outDir, RunDirectory.ReportFile)));

        // A killed experiment: two runs never finished. Resume trains exactly those again, and by seed gets the same numbers.
        string runs = Path.Combine(outDir, SyntheticGradientExperiment.RunsFolder);
        File.Delete(Path.Combine(runs, SyntheticGradientExperiment.RunName("1+2", CutKinds.SobolevCritic, 1) + ".json"));
        File.Delete(Path.Combine(runs, SyntheticGradientExperiment.RunName("3", CutKinds.Sg, 0) + ".json"));
        var kept = File.GetLastWriteTimeUtc(Path.Combine(runs, SyntheticGradientExperiment.RunName("3", CutKinds.Critic, 0) + ".json"));
        var resumed = SyntheticGradientExperiment.Run(options, outDir, CPU, cancel: TestContext.Current.CancellationToken);
        Assert.Equal(kept, File.GetLastWriteTimeUtc(Path.Combine(runs, SyntheticGradientExperiment.RunName("3", CutKinds.Critic, 0) + ".json")));
        static string Curves(SyntheticGradientResult r) => JsonSerializer.Serialize(r.Runs.Select(x => new { x.Split, x.Kind, x.Seed, x.Curve }).ToArray(), Json.Options);
        Assert.Equal(Curves(first), Curves(resumed));
    }

    [Fact]
    public void MissingData_IsOneErrorNamingTheDebianPackage()
    {
        var (code, _, stderr) = CliProcess.Run("experiment", "synthetic-gradients", "--data-dir", Path.Combine(_dir, "nowhere"), "--out", Path.Combine(_dir, "out"));
        Assert.Equal(2, code);
        Assert.StartsWith("error: Fashion-MNIST not found", stderr);
        Assert.Contains("apt-get install dataset-fashion-mnist", stderr);
        Assert.False(Directory.Exists(Path.Combine(_dir, "out")));
    }
}
