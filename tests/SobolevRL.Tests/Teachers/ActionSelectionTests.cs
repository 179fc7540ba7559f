namespace SobolevRL.Tests.Teachers;

public class ActionSelectionTests
{
    static readonly float[] Logits = [0f, 2f, 1f, /* row 2 */ 5f, 5f, -1f];

    [Fact]
    public void GreedyTakesTheFirstArgMax()
    {
        var chosen = new int[2];
        ActionSelection.Greedy(Logits, 3, chosen);
        Assert.Equal([1, 0], chosen);
    }

    [Fact]
    public void SamplingFollowsSoftmaxAtTheTemperature()
    {
        var random = new Random(4);
        var counts = new int[3];
        var chosen = new int[2];
        const int draws = 20000;
        for (int i = 0; i < draws; i++)
        {
            ActionSelection.Sample(Logits, 3, 2.0, random, chosen);
            counts[chosen[0]]++;
        }
        double[] p = [1, Math.Exp(1), Math.Exp(0.5)];
        double total = p.Sum();
        for (int a = 0; a < 3; a++)
        {
            double expected = p[a] / total, sd = Math.Sqrt(expected * (1 - expected) / draws);
            Assert.InRange(counts[a] / (double)draws, expected - 5 * sd, expected + 5 * sd);
        }
    }

    [Fact]
    public void EpsilonGreedyExploresAtRateEpsilon()
    {
        var random = new Random(9);
        var chosen = new int[2];
        int nonGreedy = 0;
        const int draws = 20000;
        for (int i = 0; i < draws; i++)
        {
            ActionSelection.EpsilonGreedy(Logits, 3, 0.3, random, chosen);
            nonGreedy += chosen[0] != 1 ? 1 : 0;
        }
        double expected = 0.3 * 2 / 3, sd = Math.Sqrt(expected * (1 - expected) / draws);
        Assert.InRange(nonGreedy / (double)draws, expected - 5 * sd, expected + 5 * sd);
        Assert.Throws<ArgumentOutOfRangeException>(() => ActionSelection.EpsilonGreedy(Logits, 3, 1.5, random, chosen));
    }
}
