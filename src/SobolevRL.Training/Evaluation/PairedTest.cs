namespace SobolevRL.Evaluation;

/// <summary>Wilcoxon's signed-rank test of paired differences (zeros dropped, tied magnitudes given their average rank).</summary>
/// <param name="N">Non-zero differences ranked.</param>
/// <param name="Zeros">Differences equal to 0, dropped before ranking (Wilcoxon's method).</param>
/// <param name="WPlus">Sum of the ranks of the positive differences.</param>
/// <param name="WMinus">Sum of the ranks of the negative differences.</param>
/// <param name="P">Two-sided p-value.</param>
/// <param name="Exact">True: <see cref="P"/> is the exact permutation probability over the 2^N sign flips (N ≤
/// <see cref="PairedTest.ExactLimit"/>); false: the normal approximation with tie and continuity corrections.</param>
public sealed record WilcoxonResult(int N, int Zeros, double WPlus, double WMinus, double P, bool Exact)
{
    /// <summary>The smallest two-sided p-value any outcome can reach with <see cref="N"/> exact pairs: 2 / 2^N (1 with none).</summary>
    public double SmallestPossibleP => Exact ? Math.Min(1, 2 / Math.Pow(2, N)) : 0;
}

/// <summary>Student's paired t-test of the mean difference.</summary>
/// <param name="N">Pairs.</param>
/// <param name="Mean">Mean difference.</param>
/// <param name="Std">Sample standard deviation of the differences (n − 1).</param>
/// <param name="T">t statistic: mean / (std / √n) (NaN with fewer than 2 pairs or no spread).</param>
/// <param name="P">Two-sided p-value with n − 1 degrees of freedom (NaN when <see cref="T"/> is).</param>
/// <param name="CiLow">Lower end of the 95% interval of the mean difference.</param>
/// <param name="CiHigh">Upper end of the 95% interval of the mean difference.</param>
public sealed record PairedTTest(int N, double Mean, double Std, double T, double P, double CiLow, double CiHigh);

/// <summary>Everything <see cref="PairedTest.Of"/> measures about paired samples a and b, on the differences a − b.</summary>
/// <param name="N">Pairs.</param>
/// <param name="MeanDifference">Mean of a − b.</param>
/// <param name="MedianDifference">Median of a − b.</param>
/// <param name="Below">Pairs with a &lt; b.</param>
/// <param name="Above">Pairs with a &gt; b.</param>
/// <param name="Wilcoxon">Signed-rank test of the differences.</param>
/// <param name="TTest">Paired t-test and Student-t 95% interval of the mean difference.</param>
/// <param name="BootstrapLow">Lower end of the 95% percentile-bootstrap interval of the mean difference.</param>
/// <param name="BootstrapHigh">Upper end of that interval.</param>
public sealed record PairedTestResult(int N, double MeanDifference, double MedianDifference, int Below, int Above,
    WilcoxonResult Wilcoxon, PairedTTest TTest, double BootstrapLow, double BootstrapHigh);

/// <summary>
/// Paired comparisons of two methods measured on the same seeds: Wilcoxon's signed-rank test (exact for small samples,
/// normal approximation otherwise), the paired t-test, and a bootstrap interval of the mean difference. Self-contained
/// (no statistics package): the t and normal tails come from the regularised incomplete beta and gamma functions.
/// </summary>
public static class PairedTest
{
    /// <summary>Up to this many non-zero differences the Wilcoxon p-value is exact (SciPy's own default threshold before 1.9 was 25).</summary>
    public const int ExactLimit = 25;

    /// <summary>Bootstrap resamples of <see cref="Of"/>.</summary>
    public const int DefaultBootstrapReps = 10_000;

    /// <summary>
    /// Compares paired samples <paramref name="a"/> and <paramref name="b"/> (same length, pair i measured on the same
    /// seed) on the differences a − b. Non-finite pairs are an error: drop them before.
    /// </summary>
    public static PairedTestResult Of(IReadOnlyList<double> a, IReadOnlyList<double> b, int bootstrapReps = DefaultBootstrapReps, int seed = 0)
    {
        if (a.Count != b.Count) throw new ArgumentException($"paired samples need equal lengths ({a.Count} vs {b.Count})", nameof(b));
        var d = a.Zip(b, (x, y) => x - y).ToArray();
        if (d.Length == 0) throw new ArgumentException("no pairs", nameof(a));
        if (d.Any(v => !double.IsFinite(v))) throw new ArgumentException("a difference is not finite", nameof(a));
        var sorted = d.Order().ToArray();
        double median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]);
        var (low, high) = BootstrapMeanInterval(d, bootstrapReps, seed);
        return new PairedTestResult(d.Length, d.Average(), median, d.Count(v => v < 0), d.Count(v => v > 0), Wilcoxon(d), TTest(d), low, high);
    }

    /// <summary>Wilcoxon's signed-rank test of <paramref name="differences"/> against a symmetric distribution about 0.</summary>
    public static WilcoxonResult Wilcoxon(IReadOnlyList<double> differences)
    {
        var nonZero = differences.Where(v => v != 0).ToArray();
        int zeros = differences.Count - nonZero.Length, n = nonZero.Length;
        if (n == 0) return new WilcoxonResult(0, zeros, 0, 0, 1, true);
        var ranks = AverageRanks(nonZero.Select(Math.Abs).ToArray());
        double wPlus = 0, wMinus = 0;
        for (int i = 0; i < n; i++)
            if (nonZero[i] > 0) wPlus += ranks[i];
            else wMinus += ranks[i];
        if (n <= ExactLimit) return new WilcoxonResult(n, zeros, wPlus, wMinus, ExactP(ranks, wPlus), true);

        double mean = n * (n + 1) / 4.0;
        double ties = ranks.GroupBy(r => r).Sum(g => Math.Pow(g.Count(), 3) - g.Count());
        double variance = n * (n + 1.0) * (2 * n + 1) / 24.0 - ties / 48.0;
        double z = Math.Max(0, Math.Abs(wPlus - mean) - 0.5) / Math.Sqrt(variance);
        return new WilcoxonResult(n, zeros, wPlus, wMinus, Math.Min(1, NormalTwoSidedP(z)), false);
    }

    /// <summary>The paired t-test of <paramref name="differences"/> with its Student-t 95% interval.</summary>
    public static PairedTTest TTest(IReadOnlyList<double> differences)
    {
        int n = differences.Count;
        double mean = differences.Average();
        if (n < 2) return new PairedTTest(n, mean, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        double std = Math.Sqrt(differences.Sum(v => (v - mean) * (v - mean)) / (n - 1));
        double se = std / Math.Sqrt(n);
        double half = ReturnStatistics.TQuantile975(n - 1) * se;
        double t = se > 0 ? mean / se : double.NaN;
        return new PairedTTest(n, mean, std, t, double.IsNaN(t) ? double.NaN : StudentTTwoSidedP(t, n - 1), mean - half, mean + half);
    }

    /// <summary>The 95% percentile-bootstrap interval of the mean of <paramref name="values"/> (resampled with a seeded generator).</summary>
    public static (double Low, double High) BootstrapMeanInterval(IReadOnlyList<double> values, int reps = DefaultBootstrapReps, int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(reps, 1);
        int n = values.Count;
        if (n < 2) return (double.NaN, double.NaN);
        var random = new Random(seed);
        var means = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            double sum = 0;
            for (int i = 0; i < n; i++) sum += values[random.Next(n)];
            means[r] = sum / n;
        }
        Array.Sort(means);
        return (Quantile(means, 0.025), Quantile(means, 0.975));
    }

    /// <summary>Two-sided p-value of Student's t with <paramref name="df"/> degrees of freedom: P(|T| ≥ |t|) = I_{df/(df+t²)}(df/2, 1/2).</summary>
    public static double StudentTTwoSidedP(double t, double df)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(df);
        if (double.IsInfinity(t)) return 0;
        return RegularisedBeta(df / (df + t * t), df / 2, 0.5);
    }

    /// <summary>Two-sided p-value of a standard normal statistic: P(|Z| ≥ |z|) = erfc(|z| / √2) = Q(1/2, z²/2).</summary>
    public static double NormalTwoSidedP(double z) => UpperRegularisedGamma(0.5, z * z / 2);

    // Ranks 1..n of the values, ties sharing their average rank.
    private static double[] AverageRanks(double[] values)
    {
        var order = Enumerable.Range(0, values.Length).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Length];
        for (int i = 0; i < order.Length;)
        {
            int j = i;
            while (j + 1 < order.Length && values[order[j + 1]] == values[order[i]]) j++;
            double rank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) ranks[order[k]] = rank;
            i = j + 1;
        }
        return ranks;
    }

    // Exact two-sided p of W+ under the 2^n equally likely sign flips of the given ranks (doubled ranks are integers,
    // so ties are exact too): counts[s] = number of sign patterns whose positive doubled ranks sum to s.
    private static double ExactP(double[] ranks, double wPlus)
    {
        var doubled = ranks.Select(r => (int)Math.Round(2 * r)).ToArray();
        int total = doubled.Sum();
        var counts = new double[total + 1];
        counts[0] = 1;
        int reach = 0;
        foreach (int r in doubled)
        {
            for (int s = reach; s >= 0; s--)
                if (counts[s] != 0) counts[s + r] += counts[s];
            reach += r;
        }
        int w = (int)Math.Round(2 * wPlus);
        double all = Math.Pow(2, ranks.Length), lower = 0, upper = 0;
        for (int s = 0; s <= total; s++)
        {
            if (s <= w) lower += counts[s];
            if (s >= w) upper += counts[s];
        }
        return Math.Min(1, 2 * Math.Min(lower, upper) / all);
    }

    private static double Quantile(double[] sorted, double q)
    {
        double h = (sorted.Length - 1) * q;
        int i = (int)Math.Floor(h);
        return i + 1 < sorted.Length ? sorted[i] + (h - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
    }

    // ln Γ(x) for x > 0 (Lanczos, g = 7, nine terms; relative error ≈ 1e-15).
    private static double LogGamma(double x)
    {
        if (x < 0.5) return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        ReadOnlySpan<double> c =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        x -= 1;
        double sum = c[0];
        for (int i = 1; i < c.Length; i++) sum += c[i] / (x + i);
        double t = x + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }

    // I_x(a, b) by its continued fraction (modified Lentz), using the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where it converges faster.
    private static double RegularisedBeta(double x, double a, double b)
    {
        if (x <= 0) return 0;
        if (x >= 1) return 1;
        double front = Math.Exp(LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(1 - x));
        return x < (a + 1) / (a + b + 2) ? front * BetaFraction(x, a, b) / a : 1 - front * BetaFraction(1 - x, b, a) / b;
    }

    private static double BetaFraction(double x, double a, double b)
    {
        const double tiny = 1e-300;
        double c = 1, d = 1 - (a + b) * x / (a + 1);
        d = 1 / (Math.Abs(d) < tiny ? tiny : d);
        double h = d;
        for (int m = 1; m <= 1000; m++)
        {
            double m2 = 2 * m;
            double num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
            d = 1 + num * d; d = 1 / (Math.Abs(d) < tiny ? tiny : d);
            c = 1 + num / c; if (Math.Abs(c) < tiny) c = tiny;
            h *= d * c;
            num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
            d = 1 + num * d; d = 1 / (Math.Abs(d) < tiny ? tiny : d);
            c = 1 + num / c; if (Math.Abs(c) < tiny) c = tiny;
            double delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-15) break;
        }
        return h;
    }

    // Q(a, x) = Γ(a, x) / Γ(a): the series of P for x < a + 1, the continued fraction of Q beyond.
    private static double UpperRegularisedGamma(double a, double x)
    {
        if (x <= 0) return 1;
        double logFront = a * Math.Log(x) - x - LogGamma(a);
        if (x < a + 1)
        {
            double term = 1 / a, sum = term;
            for (int n = 1; n < 1000 && Math.Abs(term) > Math.Abs(sum) * 1e-16; n++)
            {
                term *= x / (a + n);
                sum += term;
            }
            return 1 - sum * Math.Exp(logFront);
        }
        const double tiny = 1e-300;
        double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
        for (int i = 1; i <= 1000; i++)
        {
            double an = -i * (i - a);
            b += 2;
            d = an * d + b; d = 1 / (Math.Abs(d) < tiny ? tiny : d);
            c = b + an / c; if (Math.Abs(c) < tiny) c = tiny;
            double delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-15) break;
        }
        return Math.Exp(logFront) * h;
    }
}
