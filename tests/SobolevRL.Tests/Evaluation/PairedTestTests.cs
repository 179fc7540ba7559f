using System.Globalization;
using SobolevRL.Evaluation;
using SobolevRL.Tests.IO;

namespace SobolevRL.Tests.Evaluation;

public class PairedTestTests
{
    [Fact]
    public void ExactWilcoxonOfAllPositiveDifferencesIsTwoOverTwoToTheN()
    {
        // Only the all-positive sign pattern reaches W+ = n(n+1)/2: one-sided 1/2^n, two-sided 2/2^n.
        var three = PairedTest.Wilcoxon([0.5, 2, 1]);
        Assert.True(three.Exact);
        Assert.Equal(6, three.WPlus);
        Assert.Equal(0, three.WMinus);
        Assert.Equal(0.25, three.P, 14);
        Assert.Equal(0.25, three.SmallestPossibleP, 14);
        var ten = PairedTest.Wilcoxon(Enumerable.Range(1, 10).Select(i => -0.1 * i).ToArray());
        Assert.Equal(55, ten.WMinus);
        Assert.Equal(2.0 / 1024, ten.P, 14);
    }

    [Fact]
    public void ExactWilcoxonHandCases()
    {
        // n = 4, ranks 1..4, W+ = 1 (only the smallest positive): patterns with W+ <= 1 are {} and {1}: 2/16, two-sided 0.25.
        Assert.Equal(0.25, PairedTest.Wilcoxon([0.1, -1, -2, -3]).P, 14);
        // Zeros are dropped (Wilcoxon's method) before ranking.
        var withZeros = PairedTest.Wilcoxon([0, 0.1, -1, 0, -2, -3]);
        Assert.Equal(2, withZeros.Zeros);
        Assert.Equal(4, withZeros.N);
        Assert.Equal(0.25, withZeros.P, 14);
        // Symmetric outcome: W+ = W− = 5 of n = 4 (ranks 1+4 vs 2+3): p = 1.
        Assert.Equal(1, PairedTest.Wilcoxon([1, -2, -3, 4]).P, 14);
        // No non-zero difference: nothing to test.
        Assert.Equal(1, PairedTest.Wilcoxon([0, 0]).P);
    }

    [Fact]
    public void ExactWilcoxonEqualsBruteForceOverSignFlipsWithTies()
    {
        // Independent oracle: enumerate all 2^n sign patterns of the (average) ranks and count those at least as extreme.
        var random = new Random(3);
        for (int trial = 0; trial < 30; trial++)
        {
            int n = 3 + trial % 10;
            var d = Enumerable.Range(0, n).Select(_ => (random.Next(2) == 0 ? -1 : 1) * (double)(1 + random.Next(5))).ToArray();
            var result = PairedTest.Wilcoxon(d);
            var abs = d.Select(Math.Abs).ToArray();
            var ranks = abs.Select(v => abs.Count(u => u < v) + (abs.Count(u => u == v) + 1) / 2.0).ToArray();
            double observed = d.Select((v, i) => v > 0 ? ranks[i] : 0).Sum();
            double total = ranks.Sum();
            int lower = 0, upper = 0;
            for (int mask = 0; mask < 1 << n; mask++)
            {
                double w = Enumerable.Range(0, n).Where(i => (mask >> i & 1) == 1).Sum(i => ranks[i]);
                if (w <= observed + 1e-9) lower++;
                if (w >= observed - 1e-9) upper++;
            }
            double expected = Math.Min(1, 2.0 * Math.Min(lower, upper) / (1 << n));
            Assert.Equal(observed, result.WPlus, 12);
            Assert.Equal(total - observed, result.WMinus, 12);
            Assert.Equal(expected, result.P, 12);
        }
    }

    [Fact]
    public void StudentTTailsMatchClosedForms()
    {
        foreach (double t in new[] { 0.0, 0.3, 1, 2.5, 12.7 })
        {
            // df = 1 (Cauchy): P(|T| ≥ t) = 1 − 2 atan(t) / π; df = 2: 1 − t / √(2 + t²).
            Assert.Equal(1 - 2 * Math.Atan(t) / Math.PI, PairedTest.StudentTTwoSidedP(t, 1), 12);
            Assert.Equal(1 - t / Math.Sqrt(2 + t * t), PairedTest.StudentTTwoSidedP(-t, 2), 12);
        }
        // The table's 0.975 quantiles give two-sided 0.05 (to the table's 3 decimals).
        foreach (int df in new[] { 3, 9, 29 })
            Assert.Equal(0.05, PairedTest.StudentTTwoSidedP(ReturnStatistics.TQuantile975(df), df), 3);
        Assert.Equal(0.05, PairedTest.NormalTwoSidedP(1.959963984540054), 12);
        Assert.Equal(1, PairedTest.NormalTwoSidedP(0), 14);
    }

    [Fact]
    public void PairedSummaryOfAKnownSample()
    {
        double[] a = [1.0, 2.0, 3.0, 4.0, 5.5];
        double[] b = [0.5, 2.5, 1.0, 1.0, 3.5];
        // d = 0.5, −0.5, 2, 3, 2: mean 1.4, median 2, squared deviations 0.81 + 3.61 + 0.36 + 2.56 + 0.36 = 7.7, std √(7.7/4)
        var r = PairedTest.Of(a, b);
        Assert.Equal(5, r.N);
        Assert.Equal(1.4, r.MeanDifference, 12);
        Assert.Equal(2, r.MedianDifference, 12);
        Assert.Equal(1, r.Below);
        Assert.Equal(4, r.Above);
        Assert.Equal(Math.Sqrt(7.7 / 4), r.TTest.Std, 12);
        Assert.Equal(1.4 / (Math.Sqrt(7.7 / 4) / Math.Sqrt(5)), r.TTest.T, 12);
        double half = 2.776 * Math.Sqrt(7.7 / 4) / Math.Sqrt(5);
        Assert.Equal(1.4 - half, r.TTest.CiLow, 12);
        Assert.Equal(1.4 + half, r.TTest.CiHigh, 12);
        // |d| = 0.5, 0.5, 2, 3, 2 → ranks 1.5, 1.5, 3.5, 5, 3.5; W− = 1.5.
        Assert.Equal(1.5, r.Wilcoxon.WMinus, 12);
        Assert.True(r.BootstrapLow <= 1.4 && 1.4 <= r.BootstrapHigh);
        Assert.True(r.BootstrapLow >= -0.5 && r.BootstrapHigh <= 3);
        Assert.Throws<ArgumentException>(() => PairedTest.Of([1.0], [1.0, 2.0]));
        Assert.Throws<ArgumentException>(() => PairedTest.Of([double.NaN], [1.0]));
    }

    [Fact]
    public void LargeSampleApproximationAndTTestMatchNumpy()
    {
        if (Python.MissingReason() is { } reason) Assert.Skip(reason);
        var random = new Random(7);
        // 40 differences rounded to one decimal, so magnitudes tie and the tie correction matters.
        var d = Enumerable.Range(0, 40).Select(_ => Math.Round(random.NextDouble() * 2 - 0.7, 1)).ToArray();
        var w = PairedTest.Wilcoxon(d);
        var t = PairedTest.TTest(d);
        var (low, high) = PairedTest.BootstrapMeanInterval(d, 20_000, seed: 5);
        Assert.False(w.Exact);
        // Independent implementation: numpy ranks, the textbook normal approximation, Python's math.erfc; numpy's own bootstrap.
        string script = $$"""
            import json, math, numpy as np
            d = np.array(json.loads('{{JsonSerializer.Serialize(d)}}'))
            d = d[d != 0]; n = len(d); a = np.abs(d)
            ranks = np.array([np.sum(a < v) + (np.sum(a == v) + 1) / 2 for v in a])
            wp = ranks[d > 0].sum(); wm = ranks[d < 0].sum()
            _, counts = np.unique(a, return_counts=True)
            var = n * (n + 1) * (2 * n + 1) / 24 - np.sum(counts ** 3 - counts) / 48
            z = max(0, abs(wp - n * (n + 1) / 4) - 0.5) / math.sqrt(var)
            full = np.array(json.loads('{{JsonSerializer.Serialize(d)}}'))
            m = full.mean(); s = full.std(ddof=1); tt = m / (s / math.sqrt(len(full)))
            rng = np.random.default_rng(1)
            boots = full[rng.integers(0, len(full), (20000, len(full)))].mean(axis=1)
            print(json.dumps({"wp": float(wp), "wm": float(wm), "p": math.erfc(z / math.sqrt(2)), "t": float(tt), "std": float(s),
                              "low": float(np.percentile(boots, 2.5)), "high": float(np.percentile(boots, 97.5)), "se": float(s / math.sqrt(len(full)))}))
            """;
        using var doc = JsonDocument.Parse(Python.Check(script));
        var r = doc.RootElement;
        Assert.Equal(r.GetProperty("wp").GetDouble(), w.WPlus, 1e-9);
        Assert.Equal(r.GetProperty("wm").GetDouble(), w.WMinus, 1e-9);
        Assert.Equal(r.GetProperty("p").GetDouble(), w.P, 1e-10);
        Assert.Equal(r.GetProperty("t").GetDouble(), t.T, 1e-10);
        Assert.Equal(r.GetProperty("std").GetDouble(), t.Std, 1e-10);
        // Different generators: the percentile intervals agree to Monte Carlo precision (a small fraction of the standard error).
        double se = r.GetProperty("se").GetDouble();
        Assert.True(Math.Abs(low - r.GetProperty("low").GetDouble()) < 0.1 * se, $"bootstrap low {low} vs numpy {r.GetProperty("low").GetDouble()}");
        Assert.True(Math.Abs(high - r.GetProperty("high").GetDouble()) < 0.1 * se, $"bootstrap high {high} vs numpy {r.GetProperty("high").GetDouble()}");
        // With 39 degrees of freedom the t tail is close to (a little above) the normal one.
        double pNormal = PairedTest.NormalTwoSidedP(t.T);
        Assert.True(t.P > pNormal && t.P < pNormal * 1.5 + 1e-12, string.Create(CultureInfo.InvariantCulture, $"t p {t.P} vs normal {pNormal}"));
    }
}
