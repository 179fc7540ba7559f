namespace SobolevRL.Tests.Sweeps;

/// <summary>A tiny real sweep through a Slurm cluster (the one-node cluster of tests/slurm/start-cluster.sh in CI).</summary>
[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public class SlurmSweepTests : IDisposable
{
    private readonly string _dir = SweepFixtures.TempDir();

    public void Dispose() => SweepFixtures.Delete(_dir);

    [Fact]
    public void JobArraySweepRunsEveryTaskAndAggregates()
    {
        if (SweepFixtures.MissingSlurmCluster() is { } reason) Assert.Skip(reason);
        string sweepDir = Path.Combine(_dir, "out");
        string file = SweepFixtures.Write(_dir, "slurm", SweepFixtures.TinyBase + """

            data: {env: MinAtar/Breakout-v1, states: 64, labels: "off"}
            grid:
              optim.learning_rate: [0.001, 0.003]
            slurm: {cpus_per_task: 1, mem: 500M, time: "00:05:00", max_parallel: 2, extra: ["--comment=sobolevrl-sweep-test"]}
            """);

        var dry = CliProcess.Run("sweep", "--config", file, "--out", sweepDir, "--executor", "slurm", "--dry-run");
        Assert.True(dry.Code == 0, dry.Stderr);
        Assert.Contains("#SBATCH --array=0-1%2", dry.Stdout);
        Assert.Contains("#SBATCH --mem=500M", dry.Stdout);
        Assert.Contains("#SBATCH --comment=sobolevrl-sweep-test", dry.Stdout);
        Assert.False(Directory.Exists(sweepDir), "--dry-run must not write anything");

        var result = SweepFixtures.CliJson(0, "sweep", "--config", file, "--out", sweepDir, "--executor", "slurm");
        Assert.Equal(2, result.GetProperty("done").GetInt32());
        Assert.False(string.IsNullOrEmpty(result.GetProperty("job").GetString()));
        Assert.True(result.GetProperty("start_overhead_seconds_median").GetDouble() >= 0);
        Assert.All(SweepFixtures.States(sweepDir).Values, s => Assert.Equal("done", s));
        Assert.True(File.Exists(Path.Combine(sweepDir, "report", "aggregate.json")));
        Assert.Single(Directory.GetFiles(Path.Combine(sweepDir, "slurm"), "sweep-*.sh"));
    }
}
