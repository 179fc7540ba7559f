using System.Globalization;
using SobolevRL.Config;
using SobolevRL.Distillation;

namespace SobolevRL.Sweeps;

/// <summary>Expands a <see cref="SweepDefinition"/> into runs, validating every resolved config before anything starts.</summary>
public static class SweepPlanner
{
    /// <summary>Prefix of swept keys that belong to the dataset rather than the distill config.</summary>
    public const string DataPrefix = "data.";

    /// <summary>The expanded sweep: its runs (duplicates removed) with their resolved configs.</summary>
    /// <param name="Plan">Plan (ids, swept keys).</param>
    /// <param name="Runs">Runs in plan order.</param>
    /// <param name="Configs">Resolved config YAML of each run id.</param>
    public sealed record Expanded(SweepPlan Plan, IReadOnlyList<SweepRun> Runs, IReadOnlyDictionary<string, string> Configs);

    /// <summary>Expands <paramref name="definition"/>; <paramref name="baseDir"/> resolves relative paths (the sweep file's folder).</summary>
    public static Expanded Expand(SweepDefinition definition, string baseDir)
    {
        var points = SearchPoints(definition);
        var runs = new List<SweepRun>();
        var configs = new Dictionary<string, string>();
        var identities = new Dictionary<DataSpec, string>();
        foreach (var point in points)
        {
            foreach (long seed in definition.Seeds)
            {
                var assignments = point.ToDictionary(p => p.Key, p => p.Value);
                assignments["seed"] = seed.ToString(CultureInfo.InvariantCulture);
                var overrides = definition.BaseOverrides.Concat(point.Where(p => !p.Key.StartsWith(DataPrefix, StringComparison.Ordinal)).Select(p => $"{p.Key}={p.Value}"))
                    .Append($"seed={seed.ToString(CultureInfo.InvariantCulture)}");
                string where = point.Count == 0 ? "" : $" (run {string.Join(", ", point.Select(p => $"{p.Key}={p.Value}"))})";
                DistillOptions options;
                DataSpec data;
                try
                {
                    options = ConfigLoader.Load<DistillOptions>(definition.BaseConfig, overrides);
                    var dataValues = new Dictionary<string, string>(definition.Data);
                    foreach (var (k, v) in point.Where(p => p.Key.StartsWith(DataPrefix, StringComparison.Ordinal)))
                    {
                        string name = k[DataPrefix.Length..];
                        if (!DataSpec.Keys.Contains(name)) throw new UserErrorException($"unknown data key '{k}'; known: {string.Join(", ", DataSpec.Keys.Select(x => DataPrefix + x))}");
                        dataValues[name] = v;
                    }
                    data = DataSpec.From(dataValues, baseDir);
                    if (data.LabelMode is { } labels) DistillationLoss.CheckCompatible(options.Loss.SobolevMode(), labels);
                    if (definition.Tune.Count > 0) CheckTunable(options);
                }
                catch (UserErrorException e)
                {
                    throw new UserErrorException($"sweep '{definition.Name}'{where}: {e.Message.Replace("(from `set`)", "(from the sweep)", StringComparison.Ordinal)}");
                }
                // Points that differ only in keys the run does not use (loss.weight with loss.sobolev=off) are one run.
                string yaml = ConfigLoader.ToYaml(options with { Loss = options.Loss.WithInactiveKeysAtDefaults() });
                if (!identities.TryGetValue(data, out string? identity)) identities[data] = identity = data.Identity();
                string id = DataSpec.Hash($"distill\n{yaml}\n{identity}");
                if (configs.ContainsKey(id)) continue;
                configs[id] = yaml;
                runs.Add(new SweepRun(id, assignments, data));
            }
        }
        if (runs.Count == 0) throw new UserErrorException($"sweep '{definition.Name}' expands to zero runs; give grid values, random samples and seeds");
        var swept = definition.Grid.Select(g => g.Key).Concat(definition.Random.Select(r => r.Key)).Distinct().Append("seed").ToArray();
        SweepTuning.CheckKeys(definition.Tune, swept, $"sweep '{definition.Name}', tune:");
        return new Expanded(new SweepPlan(definition.Name, swept, definition.Device, runs.Select(r => r.Id).ToArray(), definition.Tune), runs, configs);
    }

    /// <summary>
    /// A tuned sweep chooses runs by their validation KL, so every run needs a validation split and a validation point
    /// (the rule of <see cref="Experiments.LambdaSearch"/>): otherwise every candidate scores NaN and the choice is blind.
    /// </summary>
    private static void CheckTunable(DistillOptions options)
    {
        if (options.Validation.Fraction <= 0)
            throw new UserErrorException("tune chooses runs by validation KL, but validation.fraction is 0; set it above 0 in base (e.g. validation.fraction: 0.1)");
        if (!Experiments.LambdaSearch.HasValidationPoint(options))
            throw new UserErrorException($"tune chooses runs by validation KL, but validation.every ({options.Validation.Every}) gives no validation point within optim.steps ({options.Optim.Steps}); set validation.every to at most optim.steps in base");
    }

    // Grid points (Cartesian product in file order) × random samples; one empty point when neither is given.
    private static List<List<KeyValuePair<string, string>>> SearchPoints(SweepDefinition d)
    {
        var points = new List<List<KeyValuePair<string, string>>> { new() };
        foreach (var (key, values) in d.Grid)
            points = points.SelectMany(p => values.Select(v => new List<KeyValuePair<string, string>>(p) { new(key, v) })).ToList();
        if (d.RandomSamples == 0) return points;
        var rng = new Random(d.RandomSeed);
        var samples = new List<List<KeyValuePair<string, string>>>();
        for (int s = 0; s < d.RandomSamples; s++)
            samples.Add(d.Random.Select(dim => new KeyValuePair<string, string>(dim.Key, Sample(dim, rng))).ToList());
        return points.SelectMany(p => samples.Select(s => p.Concat(s).ToList())).ToList();
    }

    private static string Sample(RandomDimension dim, Random rng)
    {
        double Num(int i) => double.Parse(dim.Values[i], NumberStyles.Float, CultureInfo.InvariantCulture);
        return dim.Kind switch
        {
            "uniform" => (Num(0) + rng.NextDouble() * (Num(1) - Num(0))).ToString("G6", CultureInfo.InvariantCulture),
            "log_uniform" => Math.Exp(Math.Log(Num(0)) + rng.NextDouble() * (Math.Log(Num(1)) - Math.Log(Num(0)))).ToString("G6", CultureInfo.InvariantCulture),
            "int" => ((long)Math.Ceiling(Num(0)) + rng.NextInt64((long)Math.Floor(Num(1)) - (long)Math.Ceiling(Num(0)) + 1)).ToString(CultureInfo.InvariantCulture),
            _ => dim.Values[rng.Next(dim.Values.Count)],
        };
    }
}
