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
            // The fixed pair (no λ grid); the default λ search is run by the CLI test below.
            var options = new DemoOptions { Data = ExperimentFixtures.Data(), Distill = ExperimentFixtures.Distill(), Episodes = 2, MaxEpisodeSteps = 300, LambdaGrid = [] };
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
                "--set", "distill.optim.steps=10", "--set", "distill.logging.checkpoint_every=10", "--set", "distill.logging.eval_every=0", "--set", "distill.validation.every=5",
                "--set", "episodes=1", "--set", "max_episode_steps=200", "--threads", "1"];
            var bad = CliProcess.Run(["demo", "--out", dir, "--set", "sobolev=vjp:2", .. tiny]);
            Assert.Equal(2, bad.Code);
            Assert.Contains("error: config sobolev with data.labels", bad.Stderr);
            Assert.False(Directory.Exists(dir));

            var noValidationPoint = CliProcess.Run(["demo", "--out", dir, .. tiny, "--set", "distill.validation.every=250"]);
            Assert.Equal(2, noValidationPoint.Code);
            Assert.Contains("error: config lambda_grid: λ is chosen by validation KL, but distill.validation.every (250)", noValidationPoint.Stderr);
            Assert.False(Directory.Exists(dir));

            // 600 states: enough whole episodes for a validation split (with 300 it is empty and the search says so).
            var (code, stdout, stderr) = CliProcess.Run(["demo", "--out", dir, "--json", .. tiny, "--set", "data.states=600"]);
            Assert.True(code == 0, stderr);
            using var json = JsonDocument.Parse(stdout);
            // The default λ grid {0.1, 0.3} plus the Regular trial, each reported, and the choice of lowest validation KL.
            var students = json.RootElement.GetProperty("students").EnumerateArray().ToArray();
            Assert.Equal(["regular", "sobolev λ=0.1", "sobolev λ=0.3"], students.Select(s => s.GetProperty("name").GetString()));
            double chosen = json.RootElement.GetProperty("chosen_lambda").GetDouble();
            var lowest = students.MinBy(s => s.GetProperty("distill").GetProperty("validation_kl").GetDouble());
            Assert.Equal(DemoPipeline.TrialName(chosen), lowest.GetProperty("name").GetString());
            Assert.True(File.Exists(json.RootElement.GetProperty("report").GetString()));

            // `report` on the demo directory reports on the runs inside it, into the directory it reports on.
            var report = CliProcess.Run(["report", dir + "/"]);
            Assert.True(report.Code == 0, report.Stderr);
            string md = File.ReadAllText(Path.Combine(dir, "report", "report.md"));
            Assert.Contains("`lambda-0`", md);
            Assert.Contains("`lambda-0.3`", md);

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
