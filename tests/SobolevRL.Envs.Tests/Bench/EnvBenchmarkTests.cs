using System.Text.Json;
using SobolevRL.Envs.Bench;
using SobolevRL.Envs.Registry;
using SobolevRL.Envs.Tests.TestEnvs;

namespace SobolevRL.Envs.Tests.Bench;

public class EnvBenchmarkTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(10);

    [Fact]
    public void SingleEnvRunsTheRequestedStepsAndReportsNoFramesWithoutFrameNumbers()
    {
        var registry = EnvRegistry.CreateDefault();
        var result = EnvBenchmark.RunSingle(() => registry.Make("MinAtar/Breakout-v1"), steps: 3000, warmUp: Short);
        Assert.Equal(("MinAtar/Breakout-v1", 1, 1, 3000L), (result.EnvId, result.NumEnvs, result.Threads, result.Steps));
        Assert.True(result.Seconds > 0);
        Assert.True(result.CpuSeconds >= 0);
        Assert.Null(result.FramesPerStep);
        Assert.Null(result.FramesPerSecond);
    }

    [Fact]
    public void FrameSkipIsReadFromTheFrameNumber()
    {
        var result = EnvBenchmark.RunSingle(() => new CountingEnv(framesPerStep: 4), steps: 500, warmUp: Short);
        Assert.Equal(4, result.FramesPerStep);
        Assert.Equal(4 * result.StepsPerSecond, result.FramesPerSecond);
    }

    [Fact]
    public void VectorRunRoundsToWholeBatchesAndReportsItsThreads()
    {
        var result = EnvBenchmark.RunVector(_ => new CountingEnv(framesPerStep: 2), numEnvs: 3, threads: 2, steps: 1000, warmUp: Short);
        Assert.Equal((3, 2, 1002L, 2), (result.NumEnvs, result.Threads, result.Steps, result.FramesPerStep));
        // Per-thread breakdown: one own-run time per thread, the caller's always positive (it steps every batch).
        Assert.Equal(2, result.OwnRunMicroseconds!.Count);
        Assert.True(result.OwnRunMicroseconds[0] > 0 && result.CallerWaitMicroseconds >= 0 && result.TakenChunksPerBatch >= 0, $"{result}");
        var sync = EnvBenchmark.RunVector(_ => new CountingEnv(), numEnvs: 2, threads: 1, steps: 10, warmUp: Short);
        Assert.Equal(1, sync.Threads);
        Assert.Null(sync.OwnRunMicroseconds); // a sync vector env has no threads to break down
    }

    [Fact]
    public void FormatsATableAndJson()
    {
        var rows = new[] { new EnvBenchmarkResult("MinAtar/Breakout-v1", 8, 2, 1000, 0.5, null), new EnvBenchmarkResult("ALE/Pong-v5", 1, 1, 100, 1, 4) };
        string table = EnvBenchmark.FormatTable(rows);
        Assert.Contains("MinAtar/Breakout-v1", table);
        Assert.Contains("2,000", table);
        Assert.Contains("400", table);
        using var json = JsonDocument.Parse(EnvBenchmark.ToJson(rows));
        var first = json.RootElement.GetProperty("results")[0];
        Assert.Equal(2000, first.GetProperty("steps_per_second").GetDouble());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("frames_per_second").ValueKind);
        Assert.Equal(400, json.RootElement.GetProperty("results")[1].GetProperty("frames_per_second").GetDouble());
    }
}
