namespace SobolevRL.Evaluation.Aggregates;

/// <summary>A point estimate with its confidence interval.</summary>
/// <param name="Point">The statistic on the observed scores.</param>
/// <param name="Low">Lower end of the interval.</param>
/// <param name="High">Upper end of the interval.</param>
public sealed record Estimate(double Point, double Low, double High);
