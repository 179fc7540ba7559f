using SobolevRL.Teachers.Training;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Teachers.Training;

public class PpoLossTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TermsEqualDirectComputation(bool clipValue)
    {
        var options = new PpoOptions { ClipCoef = 0.2, ValueCoef = 0.5, EntropyCoef = 0.01, ClipValueLoss = clipValue };
        const int batch = 64, actions = 4;
        var rng = new Random(11);
        double[,] logits = new double[batch, actions];
        var values = new double[batch];
        var oldValues = new double[batch];
        var advantages = new double[batch];
        var returns = new double[batch];
        var oldLogProbs = new double[batch];
        var taken = new long[batch];
        for (int b = 0; b < batch; b++)
        {
            for (int a = 0; a < actions; a++) logits[b, a] = rng.NextDouble() * 2 - 1;
            values[b] = rng.NextDouble() * 2;
            oldValues[b] = values[b] + (rng.NextDouble() - 0.5); // some beyond ±ε, some inside
            advantages[b] = rng.NextDouble() * 2 - 1;
            returns[b] = rng.NextDouble() * 2;
            taken[b] = rng.Next(actions);
        }
        // Old log-probabilities: the new ones shifted so that ratios spread over [0.6, 1.4], hitting both sides of the clip.
        var logProbs = new double[batch, actions];
        for (int b = 0; b < batch; b++)
        {
            double max = Enumerable.Range(0, actions).Max(a => logits[b, a]);
            double lse = max + Math.Log(Enumerable.Range(0, actions).Sum(a => Math.Exp(logits[b, a] - max)));
            for (int a = 0; a < actions; a++) logProbs[b, a] = logits[b, a] - lse;
            oldLogProbs[b] = logProbs[b, taken[b]] - Math.Log(0.6 + 0.8 * rng.NextDouble());
        }

        double policy = 0, value = 0, entropy = 0, kl = 0, clipped = 0;
        for (int b = 0; b < batch; b++)
        {
            double ratio = Math.Exp(logProbs[b, taken[b]] - oldLogProbs[b]);
            double clippedRatio = Math.Clamp(ratio, 0.8, 1.2);
            policy += -Math.Min(ratio * advantages[b], clippedRatio * advantages[b]);
            double plain = (values[b] - returns[b]) * (values[b] - returns[b]);
            double clippedValue = oldValues[b] + Math.Clamp(values[b] - oldValues[b], -0.2, 0.2);
            value += 0.5 * (clipValue ? Math.Max(plain, (clippedValue - returns[b]) * (clippedValue - returns[b])) : plain);
            for (int a = 0; a < actions; a++) entropy -= Math.Exp(logProbs[b, a]) * logProbs[b, a];
            kl += ratio - 1 - Math.Log(ratio);
            if (Math.Abs(ratio - 1) > 0.2) clipped++;
        }
        policy /= batch; value /= batch; entropy /= batch; kl /= batch; clipped /= batch;
        Assert.InRange(clipped, 0.1, 0.9); // the example exercises the clip

        var terms = PpoLoss.Compute(tensor(logits), tensor(values), tensor(taken), tensor(oldLogProbs), tensor(oldValues),
            tensor(advantages), tensor(returns), options);
        Assert.Equal(policy, terms.Policy.item<double>(), 10);
        Assert.Equal(value, terms.Value.item<double>(), 10);
        Assert.Equal(entropy, terms.Entropy.item<double>(), 10);
        Assert.Equal(kl, terms.ApproxKl.item<double>(), 10);
        Assert.Equal(clipped, terms.ClipFraction.item<float>(), 1e-6);
        Assert.Equal(policy + 0.5 * value - 0.01 * entropy, terms.Total.item<double>(), 10);
    }

    [Fact]
    public void ClippedRatiosGiveNoPolicyGradient()
    {
        // Ratio 1.5 with a positive advantage is clipped: the surrogate is flat in the logits there.
        var options = new PpoOptions { EntropyCoef = 0, ValueCoef = 0 };
        var logits = tensor(new double[,] { { 0.3, -0.2, 0.1 } }, requires_grad: true);
        var logProb = logits.log_softmax(-1)[0, 1].item<double>();
        var terms = PpoLoss.Compute(logits, tensor(new double[] { 0 }), tensor(new long[] { 1 }), tensor(new[] { logProb - Math.Log(1.5) }),
            tensor(new double[] { 0 }), tensor(new double[] { 1 }), tensor(new double[] { 0 }), options);
        terms.Total.backward();
        Assert.Equal(0, logits.grad!.abs().max().item<double>(), 12);
    }
}
