using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Wrappers.Atari;

/// <summary>Replaces each reward by its sign (−1, 0 or +1), as in Nature DQN's training setup (Mnih et al. 2015).</summary>
public sealed class ClipReward(IEnv inner) : EnvWrapper(inner)
{
    /// <inheritdoc />
    public override StepResult Step(int action, Span<byte> observation)
    {
        var result = Inner.Step(action, observation);
        return result with { Reward = MathF.Sign(result.Reward) };
    }
}
