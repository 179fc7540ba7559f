using SobolevRL.Optimizers;
using SobolevRL.SyntheticGradients;
using static TorchSharp.torch;

namespace SobolevRL.Tests.SyntheticGradients;

/// <summary>Every gradient of the experiment against central finite differences, in float64 on tiny shapes.</summary>
public sealed class GradientTests
{
    private const double Step = 1e-6;
    private static readonly long[] CutShape = [2, 3, 3];

    private static (Tensor H, Tensor OneHot, Tensor Losses, Tensor Gradients) Batch(long seed)
    {
        using var generator = new Generator((ulong)seed);
        var h = rand([3, .. CutShape], dtype: ScalarType.Float64, generator: generator);
        var oneHot = nn.functional.one_hot(tensor(new long[] { 0, 2, 1 }), 4).to(ScalarType.Float64);
        var losses = rand([3], dtype: ScalarType.Float64, generator: generator);
        var gradients = randn([3, .. CutShape], dtype: ScalarType.Float64, generator: generator);
        return (h, oneHot, losses, gradients);
    }

    // Randomises every layer, the zero-initialised last one included, so no gradient is trivially zero.
    private static T Randomised<T>(T predictor) where T : GradientPredictor
    {
        using var generator = new Generator(7);
        TorchDefaultInit.Apply(predictor.Network, generator);
        return predictor;
    }

    private static void AssertClose(double expected, double actual, string what)
    {
        double tolerance = 1e-6 * Math.Max(1, Math.Abs(expected));
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"{what}: finite difference {expected:R}, autograd {actual:R}");
    }

    // Central difference of f along one element of t (changed in place, then restored).
    private static double Central(Tensor t, long flatIndex, Func<double> f)
    {
        double x;
        using (no_grad()) x = t.view(-1)[flatIndex].item<double>();
        double At(double value)
        {
            using (no_grad()) t.view(-1)[flatIndex] = tensor(value, dtype: t.dtype);
            return f();
        }
        double plus = At(x + Step), minus = At(x - Step);
        At(x);
        return (plus - minus) / (2 * Step);
    }

    private static void CheckParameterGradients(GradientPredictor predictor, Func<Tensor> loss, string what)
    {
        foreach (var p in predictor.Network.parameters()) p.grad?.zero_();
        loss().backward();
        foreach (var (name, parameter) in predictor.Network.named_parameters())
        {
            var grad = parameter.grad!.view(-1);
            foreach (long i in new long[] { 0, parameter.numel() / 2, parameter.numel() - 1 })
                // Grad mode stays on: the Sobolev critic's loss itself takes an input derivative.
                AssertClose(Central(parameter, i, () => { using var scope = NewDisposeScope(); return loss().item<double>(); }), grad[i].item<double>(), $"{what} {name}[{i}]");
        }
    }

    [Fact]
    public void CriticSyntheticGradient_IsItsInputGradient()
    {
        using var critic = Randomised(new Critic(CutShape, 4, 3, 0, seed: 1, CPU, ScalarType.Float64));
        var (h, oneHot, _, _) = Batch(2);
        var synthetic = critic.Synthetic(h, oneHot);
        Assert.Equal(h.shape, synthetic.shape);
        for (long i = 0; i < h.numel(); i += 5)
        {
            long example = i / (h.numel() / 3);
            double fd = Central(h, i, () => { using var _ = no_grad(); return critic.Value(h, oneHot)[example, 0].item<double>(); });
            AssertClose(fd, synthetic.view(-1)[i].item<double>(), $"dC/dh[{i}]");
        }
    }

    [Theory]
    [InlineData(CutKinds.Sg)]
    [InlineData(CutKinds.Critic)]
    [InlineData(CutKinds.SobolevCritic)]
    public void PredictorTrainingLoss_ParameterGradients(string kind)
    {
        var options = new SyntheticGradientOptions { PredictorChannels = 3, SobolevWeight = 0.7 };
        using var predictor = Randomised(kind == CutKinds.Sg
            ? (GradientPredictor)new SyntheticGradientModule(CutShape, 4, 3, seed: 1, CPU, ScalarType.Float64)
            : new Critic(CutShape, 4, 3, kind == CutKinds.SobolevCritic ? options.SobolevWeight : 0, seed: 1, CPU, ScalarType.Float64));
        var (h, oneHot, losses, gradients) = Batch(3);
        CheckParameterGradients(predictor, () => predictor.TrainingLoss(h, oneHot, losses, gradients), kind);
    }

    [Fact]
    public void SobolevCriticLoss_IsValueErrorPlusWeightedGradientError()
    {
        using var critic = Randomised(new Critic(CutShape, 4, 3, 0.7, seed: 1, CPU, ScalarType.Float64));
        var (h, oneHot, losses, gradients) = Batch(4);
        double value = critic.Value(h, oneHot).squeeze(1).sub(losses).square().mean().item<double>();
        double derivative = critic.Synthetic(h, oneHot).sub(gradients).square().sum([1, 2, 3]).mean().item<double>();
        AssertClose(value + 0.7 * derivative, critic.TrainingLoss(h, oneHot, losses, gradients).item<double>(), "Sobolev critic loss");
    }

    [Fact]
    public void TopStep_GivesPerExampleLossesAndTheirExactGradients()
    {
        using var model = new SplitCnn([2], 8, 4, seed: 5, CPU, ScalarType.Float64);
        Assert.Equal([32, 2, 2], model.CutShapes[0]);
        using var generator = new Generator(6);
        using var h = rand([3, .. model.CutShapes[0]], dtype: ScalarType.Float64, generator: generator);
        using var labels = tensor(new long[] { 3, 0, 1 });
        double PerExample(long example)
        {
            using var _ = no_grad();
            return nn.functional.cross_entropy(model.Top.forward(h), labels, reduction: nn.Reduction.None)[example].item<double>();
        }
        var expected = Enumerable.Range(0, (int)h.numel()).Where(i => i % 7 == 0)
            .Select(i => (Index: (long)i, Fd: Central(h, i, () => PerExample(i / (h.numel() / 3))))).ToArray();
        using var optimiser = new KeptAliveAdam(model.Top.parameters(), 1e-3);
        var (losses, gradients) = DecoupledTrainer.TopStep(model, optimiser, h, labels);
        Assert.Equal([3], losses.shape);
        foreach (var (i, fd) in expected) AssertClose(fd, gradients.view(-1)[i].item<double>(), $"dL_i/dh[{i}]");
    }

    // The middle module of the three-module chain steps on a gradient g at its output; the bootstrapped target it
    // returns for the cut below must be ∂(g_i · f(h_i))/∂h_i, and its parameter gradients those of the batch mean of g · f.
    [Fact]
    public void StepModule_ReturnsTheBootstrappedTargetAndUsesTheGradient()
    {
        using var model = new SplitCnn([1, 2], 8, 4, seed: 5, CPU, ScalarType.Float64);
        Assert.Equal(3, model.Stages.Length);
        Assert.Equal([16, 4, 4], model.CutShapes[0]);
        Assert.Equal([32, 2, 2], model.CutShapes[1]);
        var middle = model.Stages[1];
        using var generator = new Generator(8);
        using var h = rand([3, .. model.CutShapes[0]], dtype: ScalarType.Float64, generator: generator);
        using var g = randn([3, .. model.CutShapes[1]], dtype: ScalarType.Float64, generator: generator);
        double Objective()
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            return (middle.forward(h) * g).sum().item<double>();
        }
        var inputExpected = Enumerable.Range(0, (int)h.numel()).Where(i => i % 11 == 0).Select(i => (Index: (long)i, Fd: Central(h, i, Objective))).ToArray();
        var weight = middle.parameters().First();
        var weightExpected = new long[] { 0, weight.numel() / 2, weight.numel() - 1 }.Select(i => (Index: i, Fd: Central(weight, i, Objective) / 3)).ToArray();

        using var optimiser = new KeptAliveAdam(middle.parameters(), 1e-3);
        using var input = h.detach().requires_grad_(true);
        var target = DecoupledTrainer.StepModule(optimiser, input, middle.forward(input), g)!;
        Assert.Equal(h.shape, target.shape);
        foreach (var (i, fd) in inputExpected) AssertClose(fd, target.view(-1)[i].item<double>(), $"bootstrapped target[{i}]");
        foreach (var (i, fd) in weightExpected) AssertClose(fd, weight.grad!.view(-1)[i].item<double>(), $"middle weight grad[{i}]");
        Assert.Null(DecoupledTrainer.StepModule(optimiser, h, middle.forward(h), g));
    }

    [Fact]
    public void SplitCnn_InitialisationDoesNotDependOnTheCuts()
    {
        using var two = new SplitCnn([3], 28, 10, seed: 9, CPU);
        using var three = new SplitCnn([1, 2], 28, 10, seed: 9, CPU);
        using var x = rand([2, 1, 28, 28], generator: new Generator(1));
        using var _ = no_grad();
        Assert.True(two.Logits(x).allclose(three.Logits(x), rtol: 0, atol: 0));
    }
}
