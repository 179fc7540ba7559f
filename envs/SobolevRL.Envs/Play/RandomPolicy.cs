using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Play;

/// <summary>A policy that ignores the observation and picks uniformly random actions.</summary>
public static class RandomPolicy
{
    /// <summary>Uniform over <paramref name="actions"/>, reproducible from <paramref name="seed"/>.</summary>
    public static Func<ReadOnlySpan<byte>, int> Create(DiscreteSpace actions, int seed)
    {
        ArgumentNullException.ThrowIfNull(actions);
        var rng = new System.Random(seed);
        return _ => rng.Next(actions.N);
    }
}
