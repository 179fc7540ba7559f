using static SobolevRL.Tests.RepoFiles;

namespace SobolevRL.Tests.Bench;

/// <summary>
/// <c>bench label</c> and <c>bench collect</c> measure both labelling paths (libtorch's intra-op threads and batch
/// shards) and compare collection with the faster one, so the reference is never the slower path.
/// </summary>
[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public class LabelPathBenchCliTests
{
    static JsonElement Ok((int Code, string Stdout, string Stderr) r)
    {
        Assert.True(r.Code == 0, $"exit {r.Code}: {r.Stderr}");
        return JsonDocument.Parse(r.Stdout).RootElement;
    }

    [Fact]
    public void BenchLabelReportsBothPathsAndTheFaster()
    {
        var json = Ok(CliProcess.Run("bench", "label", "--workload", "minatar", "--no-peer", "--seconds", "0.1", "--repeats", "1", "--shards", "3", "--json"));
        Assert.Equal(3, json.GetProperty("shards").GetInt32());
        double threads = json.GetProperty("label_states_per_s").GetDouble(), shards = json.GetProperty("shards_label_states_per_s").GetDouble();
        Assert.True(threads > 0 && shards > 0, $"{threads} {shards}");
        Assert.Equal(Math.Max(threads, shards), json.GetProperty("best_label_states_per_s").GetDouble());
    }

    [Fact]
    public void BenchCollectComparesWithTheFasterLabellingPath()
    {
        var json = Ok(CliProcess.Run("bench", "collect", "--env", "MinAtar/SpaceInvaders-v1", "--teacher", RepoFile("agents/minatar/spaceinvaders/policy.onnx"),
            "--labels", "vjp:1", "--envs", "4", "--states", "64", "--label-seconds", "0.05", "--label-shards", "2", "--json"));
        Assert.Equal(2, json.GetProperty("label_shards").GetInt32());
        double threads = json.GetProperty("bench_label_threads_states_per_s").GetDouble();
        double shards = json.GetProperty("bench_label_shards_states_per_s").GetDouble();
        double best = json.GetProperty("bench_label_states_per_s").GetDouble();
        Assert.True(threads > 0 && shards > 0, $"{threads} {shards}");
        Assert.Equal(Math.Max(threads, shards), best);
        Assert.Equal(json.GetProperty("collect_states_per_s").GetDouble() / best, json.GetProperty("bench_label_ratio").GetDouble(), 9);
    }

    [Theory]
    [InlineData("bench", "label", "--workload", "minatar", "--shards", "-1", "--shards -1: must be >= 0")]
    [InlineData("collect", "--env", "MinAtar/SpaceInvaders-v1", "--states", "10", "--label-shards", "-2", "--label-shards -2: must be >= 0")]
    public void NegativeShardCountsAreClearErrors(params string[] argsAndMessage)
    {
        string[] args = argsAndMessage[..^1];
        if (args[0] == "collect") args = [.. args, "--teacher", RepoFile("agents/minatar/spaceinvaders/policy.onnx"), "--out", Path.Combine(Path.GetTempPath(), "sobolevrl-never-" + Guid.NewGuid())];
        var (code, _, stderr) = CliProcess.Run(args);
        Assert.Equal(2, code);
        Assert.Contains(argsAndMessage[^1], stderr);
    }
}
