using SobolevRL.IO;
using SobolevRL.Runs;
using static SobolevRL.Tests.Reliability.ReliabilityCli;

namespace SobolevRL.Tests.Reliability;

/// <summary>
/// A resume continues the same question or refuses, naming what changed: other data (a dataset or a smoke source), another
/// student or loss. A finished run resumed keeps its summary; an extended dataset records its new target before collecting.
/// </summary>
[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public sealed class ResumeIdentityTests
{
    [Fact]
    public void DistillResumeRefusesOtherDataStudentOrLossNamingTheKeyAndAFinishedRunKeepsItsSummary()
    {
        string run = TempDir("identity-run"), data = TempDir("identity-data");
        try
        {
            Ok(CliProcess.Run(Distill(run)));
            byte[] summary = File.ReadAllBytes(Path.Combine(run, RunDirectory.SummaryFile));

            // Resuming the finished run does nothing: the summary is not rewritten (it used to get final_loss NaN).
            var again = CliProcess.Run(Distill(run, 20, 10, "--resume"));
            Ok(again);
            Assert.Equal(summary, File.ReadAllBytes(Path.Combine(run, RunDirectory.SummaryFile)));
            using (var json = JsonDocument.Parse(summary)) Assert.Equal(JsonValueKind.Number, json.RootElement.GetProperty("final_loss").ValueKind);

            string otherSmoke = OneClearError(CliProcess.Run([.. Distill(run, 20, 10, "--resume").Select(a => a == Smoke ? "smoke:MinAtar/Breakout-v1,300,full" : a)]));
            Assert.Contains("data.", otherSmoke);
            Assert.Contains("changed", otherSmoke);

            Ok(CliProcess.Run(Collect(data, 100)));
            string otherDataset = OneClearError(CliProcess.Run([.. Distill(run, 20, 10, "--resume").Select(a => a == Smoke ? data : a)]));
            Assert.Contains("data.content changed (in-memory (smoke) dataset → sha256:", otherDataset);

            string student = OneClearError(CliProcess.Run([.. Distill(run, 20, 10, "--resume").Select(a => a == "minatar:4,32" ? "minatar:8,32" : a)]));
            Assert.Contains("config key student (minatar:4,32 → minatar:8,32) changed", student);

            string loss = OneClearError(CliProcess.Run(Distill(run, 20, 10, "--resume", "--set", "loss.weight=2")));
            Assert.Contains("config key loss.weight (1 → 2) changed", loss);
            Assert.Equal(summary, File.ReadAllBytes(Path.Combine(run, RunDirectory.SummaryFile)));
        }
        finally
        {
            foreach (string d in new[] { run, data }) if (Directory.Exists(d)) Directory.Delete(d, true);
        }
    }

    [Fact]
    public void ExtendingADatasetCommitsTheNewTargetBeforeCollectingSoAPlainResumeAfterAKillReachesIt()
    {
        string dir = TempDir("retarget");
        try
        {
            Ok(CliProcess.Run(Collect(dir, 64)));
            // Commit point 2 is just after the manifest with the new target is renamed into place, before any new state.
            var killed = CliProcess.RunWith(null, new Dictionary<string, string> { [KillPoint.Variable] = "2" }, "collect", "--resume", "--out", dir, "--states", "150");
            Assert.NotEqual(0, killed.Code);
            Assert.Contains("killed at after-rename", killed.Stderr);
            var manifest = DatasetReader.ReadManifest(dir);
            Assert.Equal(150, manifest.Collection.TargetStates);
            Assert.False(manifest.Complete);
            Assert.Equal(64, manifest.States);

            using (var info = JsonDocument.Parse(CliProcess.Run("data", "info", dir, "--json").Stdout))
            {
                Assert.Equal(150, info.RootElement.GetProperty("target_states").GetInt64());
                Assert.False(info.RootElement.GetProperty("complete").GetBoolean());
            }
            var resumed = CliProcess.Run("collect", "--resume", "--out", dir, "--json");
            Ok(resumed);
            using var json = JsonDocument.Parse(resumed.Stdout);
            Assert.Equal(150, json.RootElement.GetProperty("states").GetInt64());
            Assert.True(json.RootElement.GetProperty("complete").GetBoolean());
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }
}
