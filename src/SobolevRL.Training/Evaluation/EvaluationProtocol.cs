using SobolevRL.Envs.Core;

namespace SobolevRL.Evaluation;

/// <summary>
/// Seeds and environment settings of evaluation episodes. Evaluation episodes start from seed
/// <see cref="SeedBase"/> + offset; data collection uses seeds below <see cref="SeedBase"/>, so no evaluation episode
/// replays a collected one. Protocols: MinAtar with sticky actions 0.1 (the environment default); ALE with sticky
/// actions 0.25, up to 30 no-op starts and a 108,000-frame cap (set by the ALE environment's defaults).
/// </summary>
public static class EvaluationProtocol
{
    /// <summary>First evaluation seed; collection seeds must stay below it.</summary>
    public const long SeedBase = 1_000_000_000;

    /// <summary>The environment options of the standard protocol for <paramref name="envId"/>, merged with <paramref name="overrides"/>.</summary>
    public static EnvOptions Options(string envId, IReadOnlyDictionary<string, string>? overrides = null)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (envId.StartsWith("MinAtar/", StringComparison.Ordinal)) values["sticky_action_prob"] = "0.1";
        if (overrides != null) foreach (var (k, v) in overrides) values[k] = v;
        return new EnvOptions(values);
    }

    /// <summary>Describes the protocol for records (env id and options).</summary>
    public static string Describe(string envId, EnvOptions options) =>
        options.Values.Count == 0 ? envId : $"{envId} ({string.Join(", ", options.Values.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"))})";
}
