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
}
