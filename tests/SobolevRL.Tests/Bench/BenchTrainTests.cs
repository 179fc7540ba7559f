using SobolevRL.Bench;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Bench;

[Collection(TorchGlobalState.Name)]
[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public class BenchTrainTests
{
    // Parameter counts of the peer's student and teacher (tests/benchmarks/peer/torch_reference.py: nature at half and full width, minatar conv 8/fc 64 and conv 16/fc 128).
    [Theory]
    [InlineData("nature", 424790, 1687206)]
    [InlineData("minatar", 33518, 132566)]
    public void WorkloadNetworksHaveThePeersShapes(string name, long student, long teacher)
    {
        var workload = TrainWorkload.Parse(name);
        using var s = workload.Student();
        using var t = workload.Label.Teacher();
        Assert.Equal(student, PolicyNetworks.ParameterCount(s));
        Assert.Equal(teacher, PolicyNetworks.ParameterCount(t));
    }

    [Fact]
    public void LabelledBatchHasThePeersLayout()
    {
        using var scope = NewDisposeScope();
        using var batch = TrainWorkload.Parse("minatar").LabelledBatch(CPU);
        Assert.Equal(new long[] { 32, 4, 10, 10 }, batch.Observations.shape);
        Assert.Equal(new long[] { 32, 6 }, batch.TeacherLogits.shape);
        Assert.Equal(new long[] { 32, 1, 4, 10, 10 }, batch.GradLabels!.shape);
        Assert.Equal(new long[] { 32, 1, 6 }, batch.Projections!.shape);
        Assert.True(batch.GradLabels.abs().sum().item<float>() > 0);
        var norms = batch.Projections.norm(-1);
        Assert.True((norms - 1).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void CommandPrintsRatesAndPhasesAsJson()
    {
        var (code, stdout, stderr) = CliProcess.Run("bench", "train", "--workload", "minatar", "--no-peer", "--seconds", "0.05",
            "--repeats", "1", "--phases", "2", "--autograd", "--threads", "1", "--json");
        Assert.True(code == 0, stderr);
        var json = JsonDocument.Parse(stdout).RootElement;
        foreach (string key in new[] { "train_steps_per_s_plain", "train_steps_per_s_sobolev", "train_steps_per_s_sobolev_autograd", "sobolev_cost" })
            Assert.True(json.GetProperty(key).GetDouble() > 0, key);
        Assert.True(json.GetProperty("sobolev_ms").GetProperty("backward_ms").GetDouble() > 0);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("ratio_plain").ValueKind);
    }

    [Fact]
    public void TheRepositorysOwnPeerScriptRunsBesideOurs()
    {
        Assert.SkipUnless(PeerBenchmark.TorchAvailable(), $"needs Debian's PyTorch ({PeerBenchmark.Python} with torch: apt-get install python3-torch)");
        var (code, stdout, stderr) = CliProcess.Run("bench", "train", "--workload", "minatar", "--peer", "--seconds", "0.05",
            "--repeats", "1", "--phases", "0", "--threads", "1", "--json");
        Assert.True(code == 0, stderr);
        var json = JsonDocument.Parse(stdout).RootElement;
        foreach (string key in new[] { "peer_train_steps_per_s_plain", "peer_train_steps_per_s_sobolev", "ratio_plain", "ratio_sobolev" })
            Assert.True(json.GetProperty(key).GetDouble() > 0, key);
    }

    [Fact]
    public void MissingPeerScriptIsAClearError()
    {
        var (code, _, stderr) = CliProcess.Run("bench", "train", "--workload", "minatar", "--peer", "--peer-script", "/nonexistent/peer.py",
            "--seconds", "0.01", "--repeats", "1", "--phases", "0");
        Assert.Equal(2, code);
        Assert.Contains("/nonexistent/peer.py", stderr);
        Assert.Contains("--no-peer", stderr);
    }

    [Fact]
    public void UnknownWorkloadIsAClearError()
    {
        var (code, _, stderr) = CliProcess.Run("bench", "train", "--workload", "atari", "--no-peer");
        Assert.Equal(2, code);
        Assert.Contains("workload 'atari'", stderr);
    }
}
