using System.Globalization;
using SobolevRL.IO;
using static SobolevRL.Tests.Reliability.ReliabilityCli;

namespace SobolevRL.Tests.Reliability;

/// <summary>
/// Real <c>collect</c> and <c>distill</c> processes killed (SIGKILL, through the <see cref="KillPoint"/> hook) at every
/// commit point in turn, then resumed: nothing committed is lost, and a resumed run ends with the same weights as an
/// uninterrupted one. The loop stops at the first count the process runs through without reaching.
/// </summary>
[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public sealed class KillPointTests
{
    private static Dictionary<string, string> KillAt(int n) => new() { [KillPoint.Variable] = n.ToString(CultureInfo.InvariantCulture) };

    private static void SameShard(ShardRecord expected, ShardRecord actual)
    {
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.Rows, actual.Rows);
        Assert.Equal(expected.Sha256.OrderBy(p => p.Key), actual.Sha256.OrderBy(p => p.Key));
    }

    [Fact]
    public void CollectKilledAtEveryCommitPointResumesWithEveryCommittedShardIntact()
    {
        const int States = 100;
        string reference = TempDir("kill-collect-reference");
        var dirs = new List<string> { reference };
        try
        {
            Ok(CliProcess.Run(Collect(reference, States)));
            var uninterrupted = DatasetReader.ReadManifest(reference);
            int killed = 0;
            for (int n = 1; ; n++)
            {
                Assert.True(n < 50, "collect reached more commit points than a 2-shard collection has");
                string dir = TempDir($"kill-collect-{n}");
                dirs.Add(dir);
                var r = CliProcess.RunWith(null, KillAt(n), Collect(dir, States));
                if (r.Code == 0) break; // fewer than n commit points: every one was tried
                Assert.Contains($"{KillPoint.Variable}={n}: killed at", r.Stderr);
                killed++;
                if (!File.Exists(Path.Combine(dir, DatasetManifest.FileName)))
                {
                    // Killed before the first manifest: nothing was committed, and the dataset says so.
                    Assert.Contains("a new --out directory", OneClearError(CliProcess.Run("collect", "--resume", "--out", dir)));
                    continue;
                }
                var before = DatasetReader.ReadManifest(dir);
                for (int i = 0; i < before.Shards.Count; i++) SameShard(uninterrupted.Shards[i], before.Shards[i]);
                Ok(CliProcess.Run("collect", "--resume", "--out", dir, "--json"));
                using var reader = DatasetReader.Open(dir);
                Assert.Empty(reader.Problems);
                Assert.Equal(States, reader.Rows);
                for (int i = 0; i < before.Shards.Count; i++) SameShard(before.Shards[i], reader.Manifest.Shards[i]);
                Assert.Empty(Leftovers(dir));
            }
            Assert.True(killed >= 6, $"only {killed} commit points were reached");
        }
        finally
        {
            foreach (string d in dirs) if (Directory.Exists(d)) Directory.Delete(d, true);
        }
    }

    [Fact]
    public void DistillKilledAtEveryCommitPointResumesToTheWeightsOfAnUninterruptedRun()
    {
        string reference = TempDir("kill-distill-reference");
        var dirs = new List<string> { reference };
        try
        {
            Ok(CliProcess.Run(Distill(reference)));
            byte[] expected = File.ReadAllBytes(Path.Combine(reference, Checkpoint.FileName));
            int killed = 0, resumed = 0;
            for (int n = 1; ; n++)
            {
                Assert.True(n < 50, "distill reached more commit points than a 2-checkpoint run has");
                string dir = TempDir($"kill-distill-{n}");
                dirs.Add(dir);
                var r = CliProcess.RunWith(null, KillAt(n), Distill(dir));
                if (r.Code == 0) break;
                Assert.Contains($"{KillPoint.Variable}={n}: killed at", r.Stderr);
                killed++;
                if (!File.Exists(Path.Combine(dir, Checkpoint.FileName)))
                {
                    // Killed before the first checkpoint: nothing to resume, and the error says how to go on.
                    Assert.Contains("start a new run", OneClearError(CliProcess.Run(Distill(dir, 20, 10, "--resume"))));
                    continue;
                }
                Ok(CliProcess.Run(Distill(dir, 20, 10, "--resume")));
                resumed++;
                Assert.Equal(expected, File.ReadAllBytes(Path.Combine(dir, Checkpoint.FileName)));
                using (var summary = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, SobolevRL.Runs.RunDirectory.SummaryFile))))
                    Assert.Equal(System.Text.Json.JsonValueKind.Number, summary.RootElement.GetProperty("final_loss").ValueKind);
                Assert.Empty(Leftovers(dir));
            }
            Assert.True(killed >= 6 && resumed >= 3, $"only {killed} commit points were reached, {resumed} after a checkpoint");
        }
        finally
        {
            foreach (string d in dirs) if (Directory.Exists(d)) Directory.Delete(d, true);
        }
    }
}
