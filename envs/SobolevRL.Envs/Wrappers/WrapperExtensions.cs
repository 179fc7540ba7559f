using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Wrappers;

/// <summary>Fluent composition of the generic wrappers: <c>env.WithStickyActions(0.25).WithTimeLimit(1000).WithEpisodeStatistics()</c>.</summary>
public static class WrapperExtensions
{
    /// <summary>Wraps in <see cref="TimeLimit"/>.</summary>
    public static IEnv WithTimeLimit(this IEnv env, int maxEpisodeSteps) => new TimeLimit(env, maxEpisodeSteps);

    /// <summary>Wraps in <see cref="StickyActions"/>.</summary>
    public static IEnv WithStickyActions(this IEnv env, double repeatProbability) => new StickyActions(env, repeatProbability);

    /// <summary>Wraps in <see cref="FrameStack"/>.</summary>
    public static IEnv WithFrameStack(this IEnv env, int depth) => new FrameStack(env, depth);

    /// <summary>Wraps in <see cref="EpisodeStatistics"/>.</summary>
    public static IEnv WithEpisodeStatistics(this IEnv env) => new EpisodeStatistics(env);
}
