using SobolevRL.Envs.Core;

namespace SobolevRL.Evaluation;

/// <summary>
/// Seeds and environment settings of evaluation episodes. Evaluation episodes start from seed
/// <see cref="SeedBase"/> + offset; data collection uses seeds below <see cref="SeedBase"/>, so no evaluation episode
/// replays a collected one. Protocols: MinAtar with sticky actions 0.1 (the environment default); ALE per an
/// <see cref="EvaluationPreset"/> (by default the environment's: sticky actions 0.25, up to 30 no-op starts and a
/// 108,000-frame cap).
/// </summary>
public static class EvaluationProtocol
{
    /// <summary>First evaluation seed; collection seeds must stay below it.</summary>
    public const long SeedBase = 1_000_000_000;

    /// <summary>
    /// The environment options of the protocol for <paramref name="envId"/> under <paramref name="preset"/> (the default
    /// preset when null), merged with <paramref name="overrides"/> (which win).
    /// </summary>
    public static EnvOptions Options(string envId, IReadOnlyDictionary<string, string>? overrides = null, EvaluationPreset? preset = null)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (envId.StartsWith("MinAtar/", StringComparison.Ordinal)) values["sticky_action_prob"] = "0.1";
        if (EvaluationPreset.IsAle(envId)) foreach (var (k, v) in (preset ?? EvaluationPreset.Default).AleOptions) values[k] = v;
        if (overrides != null) foreach (var (k, v) in overrides) values[k] = v;
        return new EnvOptions(values);
    }

    /// <summary>Describes the protocol for records (env id and options; the preset and its ε when not the default).</summary>
    public static string Describe(string envId, EnvOptions options, EvaluationPreset? preset = null)
    {
        string described = options.Values.Count == 0 ? envId : $"{envId} ({string.Join(", ", options.Values.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"))})";
        if (preset is null || preset == EvaluationPreset.Default) return described;
        return $"preset {preset.Name}: {described}" + (preset.Epsilon > 0 ? $", epsilon-greedy {preset.Epsilon}" : "");
    }
}
