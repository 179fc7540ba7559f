using SobolevRL.Experiments;
using SobolevRL.Tests.Distillation;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Experiments;

[Collection(TorchGlobalState.Name)]
[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public class DemoPipelineTests
{
    public DemoPipelineTests() => DistillFixtures.SingleThread();

    [Fact]
    public void TinyDemoCollectsDistilsBothStudentsPlaysAllThreeAndReportsAndARerunKeepsFinishedWork()
    {
        string dir = ExperimentFixtures.TempDir();
        try
        {
            var options = new DemoOptions { Data = ExperimentFixtures.Data(), Distill = ExperimentFixtures.Distill(), Episodes = 2, MaxEpisodeSteps = 300 };
            var result = DemoPipeline.Run(options, dir, CPU, cancel: TestContext.Current.CancellationToken);
            Assert.Equal(["regular", "sobolev"], result.Students.Select(s => s.Name));
            Assert.Equal("off", result.Students[0].Distill.Sobolev);
            Assert.StartsWith("full", result.Students[1].Distill.Sobolev);
            Assert.Equal(500, result.TrainStates + result.HeldOutStates);
            Assert.Equal(2, result.TeacherReturns!.Episodes);
            foreach (var s in result.Students)
            {
                Assert.Equal(2, s.Returns!.Episodes);
                Assert.True(s.Distill.CompressionRatio > 10, $"compression {s.Distill.CompressionRatio}");
                Assert.True(File.Exists(s.Distill.OnnxPath));
                Assert.InRange(s.Distill.HeldOutAgreement, 0, 1);
            }
            string report = File.ReadAllText(result.Report);
            Assert.Contains("| teacher |", report);
            Assert.Contains("| sobolev |", report);
            Assert.Contains("compare1-kl.png", report);
            Assert.True(File.Exists(Path.Combine(dir, "summary.json")));

            var onnx = File.GetLastWriteTimeUtc(result.Students[1].Distill.OnnxPath);
            var again = DemoPipeline.Run(options, dir, CPU, cancel: TestContext.Current.CancellationToken);
            Assert.Equal(onnx, File.GetLastWriteTimeUtc(again.Students[1].Distill.OnnxPath));
            Assert.Equal(result.Students[1].Distill.HeldOutKl, again.Students[1].Distill.HeldOutKl);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void DemoCommandRunsWithConfigOverridesAndRefusesABadSobolevTerm()
    {
        string dir = Path.Combine(ExperimentFixtures.TempDir(), "demo");
        try
        {
            string[] tiny = ["--set", "data.states=300", "--set", "data.envs=2", "--set", "data.held_out_fraction=0.3", "--set", "distill.student=minatar:4,16",
                "--set", "distill.optim.steps=10", "--set", "distill.logging.checkpoint_every=10", "--set", "distill.logging.eval_every=0",
                "--set", "episodes=1", "--set", "max_episode_steps=200", "--threads", "1"];
            var bad = CliProcess.Run(["demo", "--out", dir, "--set", "sobolev=vjp:2", .. tiny]);
            Assert.Equal(2, bad.Code);
            Assert.Contains("error: config sobolev with data.labels", bad.Stderr);
            Assert.False(Directory.Exists(dir));

            var (code, stdout, stderr) = CliProcess.Run(["demo", "--out", dir, "--json", .. tiny]);
            Assert.True(code == 0, stderr);
            using var json = JsonDocument.Parse(stdout);
            Assert.Equal(2, json.RootElement.GetProperty("students").GetArrayLength());
            Assert.True(File.Exists(json.RootElement.GetProperty("report").GetString()));

            // `report` on the demo directory reports on the runs inside it, into the directory it reports on.
            var report = CliProcess.Run(["report", dir + "/"]);
            Assert.True(report.Code == 0, report.Stderr);
            string md = File.ReadAllText(Path.Combine(dir, "report", "report.md"));
            Assert.Contains("`regular`", md);
            Assert.Contains("`sobolev`", md);

            // A directory that holds no run is refused before anything is written.
            string cwd = Path.GetDirectoryName(dir)!;
            var notRun = CliProcess.RunIn(cwd, "report", Path.Combine(dir, "dataset"));
            Assert.Equal(2, notRun.Code);
            Assert.Contains("is not a finished distillation run", notRun.Stderr);
            Assert.False(Directory.Exists(Path.Combine(cwd, "runs")));
        }
        finally { Directory.Delete(Path.GetDirectoryName(dir)!, true); }
    }
}
