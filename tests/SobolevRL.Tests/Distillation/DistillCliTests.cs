using System.Diagnostics;

namespace SobolevRL.Tests.Distillation;

[Collection(TorchGlobalState.Name)]
[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public class DistillCliTests
{
    public DistillCliTests() => DistillFixtures.SingleThread();

    private const string Data = "smoke:MinAtar/Breakout-v1,300,vjp:2";

    private static string[] Args(string outDir, bool resume = false, string estimator = "fd", int shards = 0)
    {
        var args = new List<string>
        {
            "distill", "--data", Data, "--student", "minatar:4,32", "--out", outDir, "--threads", "1",
            "--set", "loss.sobolev=vjp:2", "--set", $"loss.estimator={estimator}", "--set", $"optim.shards={shards}", "--set", "optim.steps=1500", "--set", "optim.batch_size=16",
            "--set", "logging.checkpoint_every=25", "--set", "logging.eval_every=0", "--set", "logging.metrics_every=25", "--set", "logging.held_out_states=64",
        };
        if (resume) args.Add("--resume");
        return args.ToArray();
    }

    // The exact estimator with 2 batch shards checks that sharded training is reproducible across processes too.
    [Theory]
    [InlineData("fd", 0)]
    [InlineData("exact", 2)]
    public void RunKilledWithSigkillResumesToTheSameWeightsAsAnUninterruptedRun(string estimator, int shards)
    {
        string whole = DistillFixtures.TempDir(), killed = DistillFixtures.TempDir();
        string[] Run(string dir, bool resume = false) => Args(dir, resume, estimator, shards);
        try
        {
            var (code, _, stderr) = CliProcess.Run(Run(whole));
            Assert.True(code == 0, stderr);

            var psi = new ProcessStartInfo(CliProcess.Executable) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string a in Run(killed)) psi.ArgumentList.Add(a);
            using (var p = Process.Start(psi)!)
            {
                _ = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
                _ = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
                string checkpoint = Path.Combine(killed, Checkpoint.FileName);
                var clock = Stopwatch.StartNew();
                while (!File.Exists(checkpoint) && !p.HasExited && clock.Elapsed < TimeSpan.FromMinutes(2)) Thread.Sleep(5);
                Assert.False(p.HasExited, "the run finished before it could be killed");
                p.Kill(entireProcessTree: true); // SIGKILL on Unix
                p.WaitForExit();
            }
            Assert.False(File.Exists(Path.Combine(killed, "summary.json")));
            var resumed = CliProcess.Run(Run(killed, resume: true));
            Assert.True(resumed.Code == 0, resumed.Stderr);
            Assert.Equal(File.ReadAllBytes(Path.Combine(whole, Checkpoint.FileName)), File.ReadAllBytes(Path.Combine(killed, Checkpoint.FileName)));

            var eval = CliProcess.Run("eval", "--policy", whole, "--episodes", "3", "--data", Data, "--json");
            Assert.True(eval.Code == 0, eval.Stderr);
            using var json = JsonDocument.Parse(eval.Stdout);
            Assert.Equal(3, json.RootElement.GetProperty("returns").GetProperty("episodes").GetInt32());
            double kl = json.RootElement.GetProperty("held_out").GetProperty("kl").GetDouble();
            Assert.True(kl is >= 0 and < 1, $"held-out KL {kl}");
        }
        finally
        {
            DistillFixtures.Delete(whole);
            DistillFixtures.Delete(killed);
        }
    }

    [Fact]
    public void BadInputsAreOneLineErrorsThatWriteNothing()
    {
        string dir = DistillFixtures.TempDir();
        var incompatible = CliProcess.Run("distill", "--data", "smoke:MinAtar/Breakout-v1,50,none", "--set", "loss.sobolev=full", "--out", dir);
        Assert.Equal(2, incompatible.Code);
        Assert.Contains("error: Sobolev term 'full' needs full", incompatible.Stderr);
        Assert.False(Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any());
        var resumeMissing = CliProcess.Run("distill", "--data", "smoke:MinAtar/Breakout-v1,50,none", "--out", dir, "--resume");
        Assert.Equal(2, resumeMissing.Code);
        var badStudent = CliProcess.Run("distill", "--data", "smoke:MinAtar/Breakout-v1,50,none", "--student", "vit:3", "--out", dir);
        Assert.Equal(2, badStudent.Code);
        Assert.Contains("student", badStudent.Stderr);
        DistillFixtures.Delete(dir);
    }
}
