using SobolevRL.Hardware;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Distillation;

/// <summary>
/// The sharded loss and gradients equal the whole batch's (the independent oracle: <c>Total.backward()</c> on the whole
/// batch, itself checked against finite differences in SobolevTermGradientTests), for every value loss and Sobolev term.
/// </summary>
[Collection(TorchGlobalState.Name)]
public class ShardedBackwardTests
{
    private const int Rows = 7, Actions = 4;

    // "strided": a Conv/ReLU/Linear Sequential with strided convolutions (the explicit input-gradient path);
    // "dense": a stride-1 CNN (autograd's double backward).
    private static ModulePolicy Student(string kind, int seed)
    {
        torch.manual_seed(seed);
        var net = kind == "strided"
            ? nn.Sequential(nn.Conv2d(2, 4, 4, stride: 2, padding: 1), nn.ReLU(), nn.Conv2d(4, 5, 3, stride: 2), nn.ReLU(),
                nn.Flatten(), nn.Linear(5 * 2 * 2, 7), nn.ReLU(), nn.Linear(7, Actions))
            : nn.Sequential(nn.Conv2d(2, 3, 3), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 11 * 11, 6), nn.ReLU(), nn.Linear(6, Actions));
        net.to(float64);
        return new ModulePolicy(net, [2, 13, 13], Actions, inputScale: 0.5);
    }

    private static ReplayBatch Batch(LabelMode labels)
    {
        using var teacher = Student("dense", 11);
        using var generator = new Generator(3);
        var x = rand([Rows, 2, 13, 13], float64, generator: generator);
        using var labelled = Labeler.Label(teacher, x, labels, new Generator(5));
        return new ReplayBatch(x, labelled.Logits.clone(), labelled.Logits.argmax(-1), labelled.GradLabels?.clone(), labelled.Projections?.clone());
    }

    private static (double[] Terms, Tensor[] Grads) Run(ModulePolicy student, ReplayBatch batch, LossOptions options, LabelMode sobolev, int shards)
    {
        var parameters = student.Network.parameters().ToArray();
        student.Network.zero_grad(set_to_none: true);
        using var threads = new ShardThreads(shards);
        using var parts = ShardedBackward.Compute(threads, parameters, batch,
            b => DistillationLoss.Compute(student, b, options, sobolev, temperature: 2.0, weight: 0.7));
        return ([parts.Value.item<double>(), parts.Sobolev.item<double>(), parts.Total.item<double>()],
            parameters.Select(p => p.grad!.clone()).ToArray());
    }

    [Theory]
    [InlineData("strided", ValueLossKind.Kl, "vjp:2", 2)]
    [InlineData("strided", ValueLossKind.Kl, "vjp:2", 3)]
    [InlineData("strided", ValueLossKind.Mse, "off", 2)]
    [InlineData("dense", ValueLossKind.Nll, "full", 3)]
    [InlineData("dense", ValueLossKind.Kl, "vjp:1", 2)]
    [InlineData("dense", ValueLossKind.Kl, "vjp:1", 7)]
    public void ShardedLossAndGradientsEqualTheWholeBatchs(string kind, ValueLossKind value, string term, int shards)
    {
        using var scope = NewDisposeScope();
        var sobolev = LabelMode.Parse(term);
        using var batch = Batch(sobolev.Kind == LabelKind.None ? LabelMode.Vjp(1) : sobolev);
        var options = new LossOptions { Value = value, Sobolev = term };
        using var student = Student(kind, 2);

        var (wholeTerms, wholeGrads) = Run(student, batch, options, sobolev, shards: 1);
        var (shardTerms, shardGrads) = Run(student, batch, options, sobolev, shards);

        for (int t = 0; t < 3; t++) Assert.Equal(wholeTerms[t], shardTerms[t], 1e-12 * Math.Max(1, Math.Abs(wholeTerms[t])));
        Assert.True(wholeTerms[1] > 0 || sobolev.Kind == LabelKind.None);
        for (int p = 0; p < wholeGrads.Length; p++)
        {
            double scale = Math.Max(1e-3, wholeGrads[p].abs().max().item<double>());
            double error = (wholeGrads[p] - shardGrads[p]).abs().max().item<double>();
            Assert.True(error <= 1e-10 * scale, $"parameter {p}: max |error| {error:E3} against {scale:E3}");
        }
    }

    [Fact]
    public void ShardedGradientsAreBitwiseRepeatableAndAddToExistingGradients()
    {
        using var scope = NewDisposeScope();
        using var batch = Batch(LabelMode.Vjp(2));
        var options = new LossOptions { Sobolev = "vjp:2" };
        using var student = Student("strided", 2);
        var (_, first) = Run(student, batch, options, LabelMode.Vjp(2), shards: 2);
        var (_, second) = Run(student, batch, options, LabelMode.Vjp(2), shards: 2);
        for (int p = 0; p < first.Length; p++) Assert.True(first[p].eq(second[p]).all().item<bool>(), $"parameter {p} differs between runs");

        var parameters = student.Network.parameters().ToArray();
        using var threads = new ShardThreads(2);
        using (ShardedBackward.Compute(threads, parameters, batch, b => DistillationLoss.Compute(student, b, options, LabelMode.Vjp(2), 2.0, 0.7)))
        {
        }
        for (int p = 0; p < first.Length; p++)
            TestTensorsClose(first[p].Times(2.0), parameters[p].grad!);
    }

    private static void TestTensorsClose(Tensor expected, Tensor actual) =>
        Sobolev.TestTensors.AssertClose(expected, actual, 1e-12);

    [Theory]
    [InlineData(7, 1)]
    [InlineData(7, 3)]
    [InlineData(32, 2)]
    [InlineData(2, 2)]
    public void ShardRangesCoverTheBatchInOrderWithSizesDifferingByAtMostOne(long rows, int count)
    {
        long next = 0;
        var sizes = new List<long>();
        for (int s = 0; s < count; s++)
        {
            var (start, length) = ShardThreads.Range(rows, count, s);
            Assert.Equal(next, start);
            next += length;
            sizes.Add(length);
        }
        Assert.Equal(rows, next);
        Assert.True(sizes.Max() - sizes.Min() <= 1);
    }

    [Fact]
    public void ShardCountIsAutomaticOnCpuCappedByTheBatchAndOneForTheFiniteDifferenceEstimator()
    {
        torch.set_num_threads(2);
        var options = DistillFixtures.Options("vjp:2");
        Assert.Equal(2, DistillTrainer.ShardCount(options, CPU));
        Assert.Equal(3, DistillTrainer.ShardCount(options with { Optim = options.Optim with { Shards = 3 } }, CPU));
        Assert.Equal(4, DistillTrainer.ShardCount(options with { Optim = options.Optim with { Shards = 9, BatchSize = 4 } }, CPU));
        Assert.Equal(1, DistillTrainer.ShardCount(options with { Loss = options.Loss with { Estimator = SobolevEstimator.Fd } }, CPU));
    }
}
