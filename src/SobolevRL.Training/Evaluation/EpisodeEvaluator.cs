using SobolevRL.Envs.Core;
using SobolevRL.Envs.Play;
using SobolevRL.Envs.Registry;
using SobolevRL.Teachers;
using static TorchSharp.torch;
using SobolevRL.Policies;

namespace SobolevRL.Evaluation;

/// <summary>Plays evaluation episodes with greedy (arg-max) actions and summarises the returns.</summary>
public static class EpisodeEvaluator
{
    /// <summary>Plays <paramref name="episodes"/> episodes of <paramref name="envId"/> with <paramref name="act"/>, from seed <see cref="EvaluationProtocol.SeedBase"/> + <paramref name="seedOffset"/>.</summary>
    public static ReturnStatistics Run(string envId, EnvOptions options, Func<ReadOnlySpan<byte>, int> act, int episodes, long seedOffset = 0, int maxEpisodeSteps = 0)
    {
        using var env = EnvRegistry.CreateDefault().Make(envId, options);
        var result = EnvPlayer.Play(env, act, episodes, EvaluationProtocol.SeedBase + seedOffset, maxEpisodeSteps: maxEpisodeSteps);
        return ReturnStatistics.Of(result.Episodes.Select(e => e.Return).ToArray());
    }

    /// <summary>A greedy actor over a differentiable policy (one observation at a time, no gradients).</summary>
    public static Func<ReadOnlySpan<byte>, int> Greedy(IPolicy policy)
    {
        var buffer = new float[policy.ObservationShape.Aggregate(1L, (a, d) => a * d)];
        return obs =>
        {
            for (int i = 0; i < buffer.Length; i++) buffer[i] = obs[i];
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var x = tensor(buffer, [1, .. policy.ObservationShape]).to(policy.Device);
            return (int)policy.Logits(x).argmax(-1).item<long>();
        };
    }
}
