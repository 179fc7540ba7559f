using SobolevRL.Hardware;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Teachers;

/// <summary>Labelling a batch in shards on their own threads gives the whole batch's labels.</summary>
public class LabelerShardsTests
{
    private static ModulePolicy Policy()
    {
        torch.manual_seed(5);
        var net = nn.Sequential(nn.Conv2d(2, 3, 2), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 2 * 2, 8), nn.Tanh(), nn.Linear(8, 4));
        net.to(float64);
        return new ModulePolicy(net, [2, 3, 3], 4, inputScale: 0.5, temperature: 1.5);
    }

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(allclose(expected, actual, rtol: 1e-12, atol: 1e-14), $"{what}: max diff {(expected - actual).abs().max().item<double>()}");
    }

    [Theory]
    [InlineData("full", 2)]
    [InlineData("vjp:2", 2)]
    [InlineData("vjp:1", 3)]
    [InlineData("none", 2)]
    public void ShardedLabelsEqualTheWholeBatchs(string mode, int shards)
    {
        using var policy = Policy();
        var x = torch.rand([7, 2, 3, 3], float64, generator: new Generator(1));
        var labelMode = LabelMode.Parse(mode);
        using var whole = Labeler.Label(policy, x, labelMode, new Generator(9));
        using var threads = new ShardThreads(shards);
        using var sharded = Labeler.Label(threads, policy, x, labelMode, new Generator(9));
        AssertClose(whole.Logits, sharded.Logits, "logits");
        AssertClose(whole.LogPolicy, sharded.LogPolicy, "log-policy");
        Assert.Equal(whole.GradLabels is null, sharded.GradLabels is null);
        if (whole.GradLabels is not null) AssertClose(whole.GradLabels, sharded.GradLabels!, "gradients");
        Assert.Equal(whole.Projections is null, sharded.Projections is null);
        // The same draws of the generator, in the same order: the projection vectors are identical, not just close.
        if (whole.Projections is not null) Assert.True((whole.Projections == sharded.Projections!).all().item<bool>());
    }

    [Fact]
    public void ShardedLabelsOfTheShippedTeacherRepeatBitForBit()
    {
        using var teacher = TeacherLoader.Load(RepoFiles.RepoFile("agents/minatar/spaceinvaders/policy.onnx"), CPU);
        var x = torch.rand([2, .. teacher.ObservationShape], generator: new Generator(3)).GreaterThan(0.7).to(float32);
        using var threads = new ShardThreads(2);
        using var first = Labeler.Label(threads, teacher, x, LabelMode.Full);
        for (int i = 0; i < 200; i++)
        {
            using var again = Labeler.Label(threads, teacher, x, LabelMode.Full);
            Assert.True((again.Logits == first.Logits).all().item<bool>(), $"logits differ at repetition {i}: max diff {(again.Logits - first.Logits).abs().max().item<float>()}");
            Assert.True((again.GradLabels! == first.GradLabels!).all().item<bool>(), $"gradients differ at repetition {i}");
        }
    }

    [Fact]
    public void ShardsAreFilledInBatchOrder()
    {
        using var policy = Policy();
        var x = torch.rand([5, 2, 3, 3], float64, generator: new Generator(2));
        using var threads = new ShardThreads(2);
        using var sharded = Labeler.Label(threads, policy, x, LabelMode.Vjp(1), new Generator(3));
        for (int i = 0; i < 5; i++)
        {
            using var one = Labeler.Label(policy, x[i..(i + 1)], LabelMode.Vjp(1), new Generator(4));
            AssertClose(one.Logits, sharded.Logits[i..(i + 1)], $"logits of state {i}");
        }
    }

    [Fact]
    public void ABatchSmallerThanTheShardCountIsLabelled()
    {
        using var policy = Policy();
        var x = torch.rand([1, 2, 3, 3], float64, generator: new Generator(6));
        using var threads = new ShardThreads(3);
        using var sharded = Labeler.Label(threads, policy, x, LabelMode.Full);
        using var whole = Labeler.Label(policy, x, LabelMode.Full);
        AssertClose(whole.GradLabels!, sharded.GradLabels!, "gradients");
    }

    [Fact]
    public void NonFiniteLabelsNameTheStateWhicheverShardHasIt()
    {
        using var policy = Policy();
        var x = torch.rand([6, 2, 3, 3], float64, generator: new Generator(8));
        x[5, 0, 1, 1] = torch.tensor(double.NaN, float64);
        using var threads = new ShardThreads(2);
        var error = Assert.Throws<UserErrorException>(() => Labeler.Label(threads, policy, x, LabelMode.Vjp(1), new Generator(1), firstStateIndex: 100));
        Assert.Contains("states 105;", error.Message);
    }
}
