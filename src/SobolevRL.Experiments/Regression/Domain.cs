using System.Text.Json.Serialization;

namespace SobolevRL.Regression;

/// <summary>An axis-aligned box [X1Min, X1Max] × [X2Min, X2Max] of the plane.</summary>
/// <param name="X1Min">Lower bound of x1.</param>
/// <param name="X1Max">Upper bound of x1.</param>
/// <param name="X2Min">Lower bound of x2.</param>
/// <param name="X2Max">Upper bound of x2.</param>
public sealed record Domain(double X1Min, double X1Max, double X2Min, double X2Max)
{
    /// <summary>A square box [min, max]².</summary>
    public static Domain Square(double min, double max) => new(min, max, min, max);

    /// <summary>Centre of the box along x1 and x2.</summary>
    [JsonIgnore]
    public (double X1, double X2) Centre => ((X1Min + X1Max) / 2, (X2Min + X2Max) / 2);

    /// <summary>Half the side lengths along x1 and x2.</summary>
    [JsonIgnore]
    public (double X1, double X2) HalfWidth => ((X1Max - X1Min) / 2, (X2Max - X2Min) / 2);

    /// <summary>The box written as [a, b] × [c, d].</summary>
    public override string ToString() => $"[{X1Min:G5}, {X1Max:G5}] × [{X2Min:G5}, {X2Max:G5}]";
}
