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
    public void UpperStep_GivesPerExampleLossesAndTheirExactGradients()
    {
        using var model = new SplitCnn(2, 8, 4, seed: 5, CPU, ScalarType.Float64);
        Assert.Equal([32, 2, 2], model.CutShape);
        using var generator = new Generator(6);
        using var h = rand([3, .. model.CutShape], dtype: ScalarType.Float64, generator: generator);
        using var labels = tensor(new long[] { 3, 0, 1 });
        double PerExample(long example)
        {
            using var _ = no_grad();
            return nn.functional.cross_entropy(model.Upper.forward(h), labels, reduction: nn.Reduction.None)[example].item<double>();
        }
        var expected = Enumerable.Range(0, (int)h.numel()).Where(i => i % 7 == 0)
            .Select(i => (Index: (long)i, Fd: Central(h, i, () => PerExample(i / (h.numel() / 3))))).ToArray();
        using var optimiser = new KeptAliveAdam(model.Upper.parameters(), 1e-3);
        var (losses, gradients) = DecoupledTrainer.UpperStep(model, optimiser, h, labels);
        Assert.Equal([3], losses.shape);
        foreach (var (i, fd) in expected) AssertClose(fd, gradients.view(-1)[i].item<double>(), $"dL_i/dh[{i}]");
    }
}
