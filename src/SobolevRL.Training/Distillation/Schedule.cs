using SobolevRL.Config;

namespace SobolevRL.Distillation;

/// <summary>How a scheduled value moves between its warm-up and the end of training.</summary>
public enum ScheduleKind
{
    /// <summary>The base value throughout (after any warm-up).</summary>
    Constant,
    /// <summary>Linear decay from the base value to base × final_fraction at the last step.</summary>
    Linear,
    /// <summary>Cosine decay from the base value to base × final_fraction at the last step.</summary>
    Cosine,
}

/// <summary>A schedule of a scalar (learning rate, Sobolev weight λ): linear warm-up from 0, then constant or decaying.</summary>
public sealed record Schedule : IValidatable
{
    /// <summary>Shape after the warm-up.</summary>
    public ScheduleKind Kind { get; init; } = ScheduleKind.Constant;

    /// <summary>Steps of linear warm-up from 0 to the base value (0: none).</summary>
    public long WarmupSteps { get; init; }

    /// <summary>Fraction of the base value reached at the last step by a decaying schedule.</summary>
    public double FinalFraction { get; init; }

    /// <summary>The value at <paramref name="step"/> (0-based) of <paramref name="totalSteps"/>.</summary>
    public double At(double baseValue, long step, long totalSteps)
    {
        if (WarmupSteps > 0 && step < WarmupSteps) return baseValue * (step + 1) / WarmupSteps;
        if (Kind == ScheduleKind.Constant) return baseValue;
        long span = Math.Max(1, totalSteps - 1 - WarmupSteps);
        double progress = Math.Clamp((double)(step - WarmupSteps) / span, 0.0, 1.0);
        double shape = Kind == ScheduleKind.Linear ? 1.0 - progress : 0.5 * (1.0 + Math.Cos(Math.PI * progress));
        return baseValue * (FinalFraction + (1.0 - FinalFraction) * shape);
    }

    /// <inheritdoc />
    public void Validate(string path)
    {
        Check.NonNegative(WarmupSteps, path + ".warmup_steps");
        Check.InRange(FinalFraction, 0, 1, path + ".final_fraction");
    }
}
