using SobolevRL.Teachers.Training;

namespace SobolevRL.Tests.Teachers.Training;

public class GeneralizedAdvantageTests
{
    // Two envs, three steps, step-major (index t·2 + e). γ = 0.9, λ = 0.5.
    // Env 0: r = 1, 0, 2; V = 0.5, 1, 1.5; terminates at t = 1; V(after last step) = 2.
    // Env 1: r = 0, 1, 1; V = 1, 2, 3; truncated at t = 0 with V(final obs) = 4; V(after last step) = 0.5.
    private static readonly float[] Rewards = [1, 0, 0, 1, 2, 1];
    private static readonly float[] Values = [0.5f, 1, 1, 2, 1.5f, 3];
    private static readonly bool[] Terminated = [false, false, true, false, false, false];
    private static readonly bool[] Truncated = [false, true, false, false, false, false];
    private static readonly float[] TruncationValues = [0, 4, 0, 0, 0, 0];
    private static readonly float[] LastValues = [2, 0.5f];

    private static (float[] Advantages, float[] Returns) Compute(bool[] terminated, bool[] truncated, double gamma = 0.9, double lambda = 0.5)
    {
        var advantages = new float[6];
        var returns = new float[6];
        GeneralizedAdvantage.Compute(Rewards, Values, terminated, truncated, TruncationValues, LastValues, gamma, lambda, advantages, returns);
        return (advantages, returns);
    }

    [Fact]
    public void MatchesHandComputedExample()
    {
        var (advantages, returns) = Compute(Terminated, Truncated);
        // Env 0, t=2: bootstrap from V(after last) = 2: δ = 2 + 0.9·2 − 1.5 = 2.3.
        // t=1 terminated: δ = 0 − 1 = −1, nothing bootstrapped. t=0: δ = 1 + 0.9·1 − 0.5 = 1.4; Â = 1.4 + 0.45·(−1) = 0.95.
        // Env 1, t=2: δ = 1 + 0.9·0.5 − 3 = −1.55. t=1: δ = 1 + 0.9·3 − 2 = 1.7; Â = 1.7 + 0.45·(−1.55) = 1.0025.
        // t=0 truncated: bootstrap V(final obs) = 4, trace cut: Â = 0 + 0.9·4 − 1 = 2.6.
        float[] expected = [0.95f, 2.6f, -1f, 1.0025f, 2.3f, -1.55f];
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal(expected[i], advantages[i], 1e-5);
            Assert.Equal(expected[i] + Values[i], returns[i], 1e-5);
        }
    }

    [Fact]
    public void TruncationBootstrapsButTerminationDoesNot()
    {
        var (truncatedAdvantages, _) = Compute(Terminated, Truncated);
        bool[] terminatedInstead = [false, true, true, false, false, false];
        var (terminatedAdvantages, _) = Compute(terminatedInstead, new bool[6]);
        Assert.Equal(2.6f, truncatedAdvantages[1], 1e-5);
        Assert.Equal(-1f, terminatedAdvantages[1], 1e-5); // 0 + 0 − V = −1
        // The steps after the boundary are unaffected by how the previous episode ended.
        Assert.Equal(truncatedAdvantages[3], terminatedAdvantages[3], 1e-5);
        Assert.Equal(truncatedAdvantages[5], terminatedAdvantages[5], 1e-5);
    }

    [Fact]
    public void EqualsDiscountedSumOfTdErrorsOnRandomRollouts()
    {
        var rng = new Random(5);
        const int steps = 17, envs = 3;
        const double gamma = 0.97, lambda = 0.9;
        int n = steps * envs;
        float[] r = Floats(rng, n), v = Floats(rng, n), tv = Floats(rng, n), last = Floats(rng, envs);
        bool[] term = Bools(rng, n, 0.1), trunc = Bools(rng, n, 0.1);
        var advantages = new float[n];
        var returns = new float[n];
        GeneralizedAdvantage.Compute(r, v, term, trunc, tv, last, gamma, lambda, advantages, returns);
        for (int e = 0; e < envs; e++)
        {
            for (int t = 0; t < steps; t++)
            {
                // Â_t = Σ_k (γλ)^k δ_{t+k}, summed forward until the episode or the rollout ends.
                double sum = 0, weight = 1;
                for (int k = t; k < steps; k++)
                {
                    int i = k * envs + e;
                    double nextValue = term[i] ? 0 : trunc[i] ? tv[i] : k == steps - 1 ? last[e] : v[i + envs];
                    sum += weight * (r[i] + gamma * nextValue - v[i]);
                    if (term[i] || trunc[i]) break;
                    weight *= gamma * lambda;
                }
                Assert.Equal(sum, advantages[t * envs + e], 1e-4);
            }
        }
    }

    [Fact]
    public void RejectsMismatchedLengths()
    {
        Assert.Throws<ArgumentException>(() => GeneralizedAdvantage.Compute(new float[6], new float[5], new bool[6], new bool[6], new float[6],
            new float[2], 0.9, 0.9, new float[6], new float[6]));
        Assert.Throws<ArgumentException>(() => GeneralizedAdvantage.Compute(new float[7], new float[7], new bool[7], new bool[7], new float[7],
            new float[2], 0.9, 0.9, new float[7], new float[7]));
    }

    private static float[] Floats(Random rng, int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();

    private static bool[] Bools(Random rng, int n, double p) => Enumerable.Range(0, n).Select(_ => rng.NextDouble() < p).ToArray();
}
