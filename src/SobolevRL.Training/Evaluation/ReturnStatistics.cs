namespace SobolevRL.Evaluation;

/// <summary>Summary of episode returns: mean, median, sample standard deviation and a 95% confidence interval of the mean.</summary>
/// <param name="Episodes">Number of episodes.</param>
/// <param name="Mean">Mean return.</param>
/// <param name="Median">Median return.</param>
/// <param name="Std">Sample standard deviation (n − 1).</param>
/// <param name="CiLow">Lower end of the 95% Student-t interval of the mean.</param>
/// <param name="CiHigh">Upper end of the 95% Student-t interval of the mean.</param>
public sealed record ReturnStatistics(int Episodes, double Mean, double Median, double Std, double CiLow, double CiHigh)
{
    // Two-sided 95% quantiles t_{0.975, df} for df = 1..30 (standard tables).
    private static readonly double[] T975 =
    [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];

    /// <summary>100 · student / teacher mean return (NaN when either is missing or the teacher's is 0).</summary>
    public static double PercentOfTeacher(ReturnStatistics? student, ReturnStatistics? teacher) =>
        student != null && teacher != null && teacher.Mean != 0 ? 100.0 * student.Mean / teacher.Mean : double.NaN;

    /// <summary>Statistics of <paramref name="returns"/> (at least one; with a single episode the spread and interval are NaN).</summary>
    public static ReturnStatistics Of(IReadOnlyList<double> returns)
    {
        if (returns.Count == 0) throw new ArgumentException("no returns", nameof(returns));
        int n = returns.Count;
        double mean = returns.Average();
        var sorted = returns.Order().ToArray();
        double median = n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
        if (n == 1) return new ReturnStatistics(1, mean, median, double.NaN, double.NaN, double.NaN);
        double std = Math.Sqrt(returns.Sum(r => (r - mean) * (r - mean)) / (n - 1));
        double half = TQuantile975(n - 1) * std / Math.Sqrt(n);
        return new ReturnStatistics(n, mean, median, std, mean - half, mean + half);
    }

    /// <summary>The 0.975 quantile of Student's t with <paramref name="df"/> degrees of freedom (table to 30, Cornish-Fisher expansion beyond).</summary>
    public static double TQuantile975(int df)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(df, 1);
        if (df <= T975.Length) return T975[df - 1];
        const double z = 1.959963984540054;
        double z3 = z * z * z, z5 = z3 * z * z;
        return z + (z3 + z) / (4.0 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96.0 * df * df);
    }
}
