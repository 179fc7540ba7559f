using System.Runtime.CompilerServices;

namespace SobolevRL.Tests.Sweeps;

/// <summary>Runs of a sweep that need the same collected dataset share one collection (the real <c>collect</c> command).</summary>
[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public class SweepDataSharingTests : IDisposable
{
    private readonly string _dir = SweepFixtures.TempDir();

    public void Dispose() => SweepFixtures.Delete(_dir);

    private static string Teacher([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "agents", "minatar", "breakout", "policy.onnx"));

    [Fact]
    public void ParallelRunsOfOneDatasetCollectItOnce()
    {
        string sweepDir = Path.Combine(_dir, "out");
        string file = SweepFixtures.Write(_dir, "shared", SweepFixtures.TinyBase + $"\ndata: {{env: MinAtar/Breakout-v1, teacher: {Teacher()}, states: 120, labels: vjp:1, seed: 3}}\nseeds: [0, 1]\n");
        var (code, _, stderr) = CliProcess.Run("sweep", "--config", file, "--out", sweepDir, "--parallel", "2", "--json");
        Assert.True(code == 0, stderr);

        string datasets = Path.Combine(sweepDir, "datasets");
        string hash = Assert.Single(Directory.GetDirectories(datasets)).Split('/')[^1];
        Assert.True(File.Exists(Path.Combine(datasets, hash + ".done")), "the collected dataset is marked complete");
        Assert.True(File.Exists(Path.Combine(datasets, hash, "manifest.json")), "collect wrote the dataset");
        var logs = Directory.GetDirectories(Path.Combine(sweepDir, "runs")).Select(d => File.ReadAllText(Path.Combine(d, "log.txt"))).ToArray();
        Assert.Equal(2, logs.Length);
        Assert.Single(logs, l => l.Contains($"dataset {hash}: producing", StringComparison.Ordinal));
        Assert.All(logs, l => Assert.DoesNotContain($"dataset {hash}: resuming", l, StringComparison.Ordinal));
    }
}
