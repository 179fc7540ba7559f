using SobolevRL.Reporting;

namespace SobolevRL.Tests.Distillation;

[Collection(TorchGlobalState.Name)]
public class ReportTests
{
    public ReportTests() => DistillFixtures.SingleThread();

    [Fact]
    public void ReportOfRegularAndSobolevRunsHasCurvesComparisonAndTable()
    {
        string regular = DistillFixtures.TempDir(), sobolev = DistillFixtures.TempDir(), report = DistillFixtures.TempDir();
        try
        {
            DistillFixtures.Train(DistillFixtures.Options("off", steps: 60), DistillFixtures.Full, regular);
            DistillFixtures.Train(DistillFixtures.Options("full", steps: 60), DistillFixtures.Full, sobolev);
            string path = DistillationReport.Write([regular, sobolev], report);
            string md = File.ReadAllText(path);
            foreach (string png in new[] { "loss_value.png", "loss_sobolev.png", "kl.png", "agreement.png", "grad_error.png", "compare1-kl.png", "compare1-grad.png" })
            {
                Assert.True(new FileInfo(Path.Combine(report, png)).Length > 1000, png);
                Assert.Contains($"({png})", md);
            }
            Assert.Contains("Regular vs Sobolev", md);
            Assert.Contains(Path.GetFileName(regular), md);
        }
        finally
        {
            DistillFixtures.Delete(regular);
            DistillFixtures.Delete(sobolev);
            DistillFixtures.Delete(report);
        }
    }

    [Fact]
    public void RunsThatDifferOnlyInSeedAreSummedUpAsMeanWithIntervalAndBandedCurves()
    {
        string a = DistillFixtures.TempDir(), b = DistillFixtures.TempDir(), other = DistillFixtures.TempDir(), report = DistillFixtures.TempDir();
        try
        {
            var sa = DistillFixtures.Train(DistillFixtures.Options("off", steps: 60) with { Seed = 1 }, DistillFixtures.Full, a);
            var sb = DistillFixtures.Train(DistillFixtures.Options("off", steps: 60) with { Seed = 2 }, DistillFixtures.Full, b);
            // Another configuration (Sobolev) with one seed: not a group of its own, and not mixed into the Regular one.
            DistillFixtures.Train(DistillFixtures.Options("full", steps: 60) with { Seed = 1 }, DistillFixtures.Full, other);
            string md = File.ReadAllText(DistillationReport.Write([a, b, other], report));
            Assert.Contains("## Across seeds", md);
            var row = md.Split('\n').Single(l => l.StartsWith($"| {Path.GetFileName(a)}, {Path.GetFileName(b)} |", StringComparison.Ordinal));
            var cells = row.Split('|').Select(c => c.Trim()).ToArray();
            Assert.Equal("2", cells[2]);
            Assert.Equal("off", cells[3]);
            var kl = ReturnStatisticsOf(sa.HeldOutKl, sb.HeldOutKl);
            Assert.StartsWith((kl.Mean).ToString("G4", System.Globalization.CultureInfo.InvariantCulture) + " ± ", cells[4]);
            Assert.Equal(((kl.CiHigh - kl.CiLow) / 2).ToString("G4", System.Globalization.CultureInfo.InvariantCulture), cells[4].Split(" ± ")[1]);
            Assert.DoesNotContain(Path.GetFileName(other) + ",", md);
            // These runs evaluate no episodes, so there is no return curve.
            Assert.False(File.Exists(Path.Combine(report, "seeds-return.png")));
            foreach (string png in new[] { "seeds-kl.png", "seeds-agreement.png" })
            {
                Assert.True(new FileInfo(Path.Combine(report, png)).Length > 1000, png);
                Assert.Contains($"({png})", md);
            }
        }
        finally
        {
            foreach (string dir in new[] { a, b, other, report }) DistillFixtures.Delete(dir);
        }
    }

    private static SobolevRL.Evaluation.ReturnStatistics ReturnStatisticsOf(params double[] values) => SobolevRL.Evaluation.ReturnStatistics.Of(values);
}
