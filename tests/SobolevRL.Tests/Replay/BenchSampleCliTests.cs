namespace SobolevRL.Tests.Replay;

[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public sealed class BenchSampleCliTests : IDisposable
{
    private readonly string _dir = ReplayTestData.TempDirectory();

    public BenchSampleCliTests()
    {
        using var teacher = ReplayTestData.Teacher(frameStack: 2);
        ReplayTestData.Collect(_dir, ReplayTestData.Options(states: 200, frameStack: 2, labels: "vjp:1"), teacher);
    }

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void CommandReportsRatesCpuTimeAndResidentMemoryAsJson()
    {
        var (code, stdout, stderr) = CliProcess.Run("bench", "sample", "--data", _dir, "--batch", "8", "--seconds", "0.2", "--workers", "3",
            "--passes", "2", "--resident-mb", "1", "--json");
        Assert.True(code == 0, stderr);
        var json = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(3, json.GetProperty("workers").GetInt32());
        Assert.True(json.GetProperty("passes").GetDouble() >= 2);
        foreach (string key in new[] { "samples_per_s", "samples_per_cpu_s", "cpu_seconds", "rss_peak_mb", "dataset_mb" })
            Assert.True(json.GetProperty(key).GetDouble() > 0, key);
        Assert.Equal("vjp:1", json.GetProperty("labels").GetString());
    }

    [Fact]
    public void ZeroWorkersIsAClearError()
    {
        var (code, _, stderr) = CliProcess.Run("bench", "sample", "--data", _dir, "--workers", "0");
        Assert.Equal(2, code);
        Assert.Contains("--workers 0: must be >= 1", stderr);
    }
}
