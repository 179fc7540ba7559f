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
    /// <summary>
    /// Plays <paramref name="episodes"/> episodes of <paramref name="envId"/> with <paramref name="act"/>, from seed
    /// <see cref="EvaluationProtocol.SeedBase"/> + <paramref name="seedOffset"/>. With <paramref name="epsilon"/> &gt; 0
    /// each step takes a uniformly random action with that probability instead (ε-greedy evaluation; the draws are
    /// seeded from the same seed, so the run stays reproducible). <paramref name="episodeStart"/> is called before every
    /// episode (a recurrent policy resets its state there).
    /// </summary>
    public static ReturnStatistics Run(string envId, EnvOptions options, Func<ReadOnlySpan<byte>, int> act, int episodes, long seedOffset = 0, int maxEpisodeSteps = 0, double epsilon = 0,
        Action? episodeStart = null)
    {
        if (epsilon is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(epsilon), "epsilon must be in [0, 1]");
        using var env = EnvRegistry.CreateDefault().Make(envId, options);
        long seed = EvaluationProtocol.SeedBase + seedOffset;
        var noise = new Random(unchecked((int)seed));
        int actions = env.ActionSpace.N;
        Func<ReadOnlySpan<byte>, int> played = epsilon == 0 ? act : obs => noise.NextDouble() < epsilon ? noise.Next(actions) : act(obs);
        episodeStart?.Invoke();
        int finished = 0;
        var result = EnvPlayer.Play(env, played, episodes, seed, maxEpisodeSteps: maxEpisodeSteps,
            onEpisode: episodeStart is null ? null : _ => { if (++finished < episodes) episodeStart(); });
        return ReturnStatistics.Of(result.Episodes.Select(e => e.Return).ToArray());
    }

    /// <summary>Plays like <see cref="Run(string, EnvOptions, Func{ReadOnlySpan{byte}, int}, int, long, int, double, Action?)"/> under <paramref name="preset"/>: its environment settings (merged with <paramref name="overrides"/>) and its ε.</summary>
    public static ReturnStatistics Run(string envId, EvaluationPreset preset, IReadOnlyDictionary<string, string>? overrides, Func<ReadOnlySpan<byte>, int> act, int episodes, long seedOffset = 0) =>
        Run(envId, EvaluationProtocol.Options(envId, overrides, preset), act, episodes, seedOffset, epsilon: preset.Epsilon);

    /// <summary>Plays like the overload above with an ONNX Runtime actor; a recurrent one starts every episode from its zero state.</summary>
    public static ReturnStatistics Run(string envId, EvaluationPreset preset, IReadOnlyDictionary<string, string>? overrides, TeacherActor actor, int episodes, long seedOffset = 0) =>
        Run(envId, EvaluationProtocol.Options(envId, overrides, preset), actor.Act, episodes, seedOffset, epsilon: preset.Epsilon, episodeStart: actor.ResetState);

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
