using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SobolevRL.Sweeps;

/// <summary>Per-task resources of the Slurm executor (sweep YAML section <c>slurm</c>).</summary>
/// <param name="CpusPerTask"><c>--cpus-per-task</c>; also the run's thread budget on Slurm.</param>
/// <param name="Memory"><c>--mem</c>, e.g. 2G (empty: the cluster's default).</param>
/// <param name="Time"><c>--time</c>, e.g. 00:30:00 (empty: the partition's default).</param>
/// <param name="Partition"><c>--partition</c> (empty: the default partition).</param>
/// <param name="MaxParallel">The <c>%N</c> cap of the job array (0: no cap).</param>
/// <param name="Extra">Extra lines for the script header, each written as <c>#SBATCH LINE</c>.</param>
public sealed record SlurmResources(int CpusPerTask, string Memory, string Time, string Partition, int MaxParallel, IReadOnlyList<string> Extra);

/// <summary>One random-search dimension: <c>uniform</c>, <c>log_uniform</c>, <c>int</c> (inclusive bounds) or <c>choice</c>.</summary>
/// <param name="Key">Swept key.</param>
/// <param name="Kind">Distribution.</param>
/// <param name="Values">Bounds (two numbers) or the choices.</param>
public sealed record RandomDimension(string Key, string Kind, IReadOnlyList<string> Values);

/// <summary>
/// A sweep: a base distillation config, a grid and/or random search over any config keys (and <c>data.*</c> keys), times
/// seeds. Read from YAML; see <c>src/SobolevRL.Experiments/Sweeps/README.md</c> for the format.
/// </summary>
public sealed record SweepDefinition
{
    /// <summary>Top-level keys of a sweep file.</summary>
    public static readonly string[] Sections = ["name", "base_config", "base", "data", "grid", "random", "seeds", "tune", "threads_per_run", "device", "slurm"];

    /// <summary>Sweep name (default: the file name without extension).</summary>
    public string Name { get; init; } = "sweep";
    /// <summary>Optional distill config file the base starts from (absolute path).</summary>
    public string? BaseConfig { get; init; }
    /// <summary>Base config keys as <c>key.path=value</c> overrides (from the inline <c>base</c> mapping).</summary>
    public IReadOnlyList<string> BaseOverrides { get; init; } = [];
    /// <summary>Base values of the <c>data</c> section (<c>source</c>, <c>env</c>, <c>teacher</c>, <c>states</c>, <c>labels</c>, <c>seed</c>).</summary>
    public IReadOnlyDictionary<string, string> Data { get; init; } = new Dictionary<string, string>();
    /// <summary>Grid: key → values, expanded as a Cartesian product in file order.</summary>
    public IReadOnlyList<(string Key, IReadOnlyList<string> Values)> Grid { get; init; } = [];
    /// <summary>Random-search samples drawn (0: no random search).</summary>
    public int RandomSamples { get; init; }
    /// <summary>Seed of the random search.</summary>
    public int RandomSeed { get; init; }
    /// <summary>Random-search dimensions.</summary>
    public IReadOnlyList<RandomDimension> Random { get; init; } = [];
    /// <summary>Values of the config key <c>seed</c>; every point of the search runs once per seed.</summary>
    public IReadOnlyList<long> Seeds { get; init; } = [0];
    /// <summary>
    /// Swept keys whose values the report chooses on validation: per seed and point of the other swept keys, the run of
    /// lowest validation KL (see <see cref="SweepReport"/>). Empty: no tuning.
    /// </summary>
    public IReadOnlyList<string> Tune { get; init; } = [];
    /// <summary>Intra-op threads of each run (0: cores / parallel runs on the local executor, cpus_per_task on Slurm).</summary>
    public int ThreadsPerRun { get; init; }
    /// <summary>Device of the runs.</summary>
    public string Device { get; init; } = "cpu";
    /// <summary>Slurm per-task resources.</summary>
    public SlurmResources Slurm { get; init; } = new(1, "", "", "", 0, []);

    /// <summary>Reads a sweep file; every error names the file and key.</summary>
    public static SweepDefinition Load(string path)
    {
        if (!File.Exists(path)) throw new UserErrorException($"sweep file '{path}' does not exist; pass an existing YAML file to `config`");
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            using (var reader = new StreamReader(path)) stream.Load(reader);
            root = stream.Documents.Count == 0 ? new YamlMappingNode() : stream.Documents[0].RootNode as YamlMappingNode
                ?? throw new UserErrorException($"sweep file '{path}' must be a YAML mapping (keys: {string.Join(", ", Sections)})");
        }
        catch (YamlException e)
        {
            throw new UserErrorException($"sweep file '{path}' is not valid YAML (line {e.Start.Line}): {e.Message}");
        }
        return Parse(root, path);
    }

    private static SweepDefinition Parse(YamlMappingNode root, string path)
    {
        UserErrorException Error(string key, string problem) => new($"sweep file '{path}', {key}: {problem}");
        var d = new SweepDefinition { Name = Path.GetFileNameWithoutExtension(path) };
        foreach (var (k, v) in root.Children)
        {
            string key = Scalar(k);
            switch (key)
            {
                case "name":
                    d = d with { Name = Scalar(v) };
                    if (d.Name.Length == 0 || d.Name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
                        throw Error(key, $"'{d.Name}' must be letters, digits, '-', '_' or '.'");
                    break;
                case "base_config":
                    string file = Path.GetFullPath(Scalar(v), Path.GetDirectoryName(Path.GetFullPath(path))!);
                    if (!File.Exists(file)) throw Error(key, $"'{Scalar(v)}' does not exist (paths are relative to the sweep file)");
                    d = d with { BaseConfig = file };
                    break;
                case "base":
                    d = d with { BaseOverrides = Flatten(Mapping(v, key, Error), "").ToArray() };
                    break;
                case "data":
                    var data = new Dictionary<string, string>();
                    foreach (var (dk, dv) in Mapping(v, key, Error).Children)
                    {
                        string name = Scalar(dk);
                        if (!DataSpec.Keys.Contains(name)) throw Error($"data.{name}", $"unknown data key; known: {string.Join(", ", DataSpec.Keys)}");
                        data[name] = Scalar(dv);
                    }
                    d = d with { Data = data };
                    break;
                case "grid":
                    var grid = new List<(string, IReadOnlyList<string>)>();
                    foreach (var (gk, gv) in Mapping(v, key, Error).Children)
                    {
                        string name = Scalar(gk);
                        var values = gv is YamlSequenceNode seq ? seq.Children.Select(ValueText).ToArray() : [ValueText(gv)];
                        if (values.Length == 0) throw Error($"grid.{name}", "has no values, so the grid expands to zero runs; give at least one value");
                        grid.Add((name, values));
                    }
                    d = d with { Grid = grid };
                    break;
                case "random":
                    d = ParseRandom(d, Mapping(v, key, Error), Error);
                    break;
                case "seeds":
                    var seeds = new List<long>();
                    foreach (var s in v is YamlSequenceNode ss ? ss.Children : [v])
                    {
                        if (!long.TryParse(Scalar(s), NumberStyles.Integer, CultureInfo.InvariantCulture, out long seed))
                            throw Error(key, $"'{Scalar(s)}' is not an integer seed");
                        seeds.Add(seed);
                    }
                    if (seeds.Count == 0) throw Error(key, "is empty, so the sweep expands to zero runs; give at least one seed");
                    d = d with { Seeds = seeds.Distinct().ToArray() };
                    break;
                case "tune":
                    var tune = (v is YamlSequenceNode ts ? ts.Children.Select(Scalar) : [Scalar(v)]).Where(t => t.Length > 0).ToArray();
                    d = d with { Tune = tune.Distinct().ToArray() };
                    break;
                case "threads_per_run":
                    d = d with { ThreadsPerRun = Int(v, key, 0, Error) };
                    break;
                case "device":
                    d = d with { Device = Scalar(v) };
                    break;
                case "slurm":
                    d = d with { Slurm = ParseSlurm(Mapping(v, key, Error), Error) };
                    break;
                default:
                    throw Error(key, $"unknown sweep key; known: {string.Join(", ", Sections)}");
            }
        }
        return d;
    }

    private static SweepDefinition ParseRandom(SweepDefinition d, YamlMappingNode node, Func<string, string, UserErrorException> error)
    {
        int samples = 0, seed = 0;
        var dims = new List<RandomDimension>();
        foreach (var (k, v) in node.Children)
        {
            string key = Scalar(k);
            switch (key)
            {
                case "samples": samples = Int(v, "random.samples", 0, error); break;
                case "seed": seed = Int(v, "random.seed", int.MinValue, error); break;
                case "keys":
                    foreach (var (dk, dv) in Mapping(v, "random.keys", error).Children)
                    {
                        string name = Scalar(dk), where = $"random.keys.{name}";
                        if (dv is not YamlMappingNode { Children.Count: 1 } spec)
                            throw error(where, "give one distribution: {uniform: [lo, hi]}, {log_uniform: [lo, hi]}, {int: [lo, hi]} or {choice: [a, b, ...]}");
                        var (kindNode, valuesNode) = spec.Children.First();
                        string kind = Scalar(kindNode);
                        var values = valuesNode is YamlSequenceNode seq ? seq.Children.Select(ValueText).ToArray() : [];
                        if (kind is "uniform" or "log_uniform" or "int")
                        {
                            if (values.Length != 2 || !values.All(x => double.TryParse(x, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
                                throw error(where, $"{kind} needs two numbers [lo, hi]");
                            double lo = Num(values[0]), hi = Num(values[1]);
                            if (!(hi >= lo) || (kind == "log_uniform" && !(lo > 0)))
                                throw error(where, $"{kind} [{values[0]}, {values[1]}] is empty{(kind == "log_uniform" ? " or not positive" : "")}; give lo <= hi");
                        }
                        else if (kind == "choice")
                        {
                            if (values.Length == 0) throw error(where, "choice has no values; give at least one");
                        }
                        else throw error(where, $"unknown distribution '{kind}'; use uniform, log_uniform, int or choice");
                        dims.Add(new RandomDimension(name, kind, values));
                    }
                    break;
                default: throw error($"random.{key}", "unknown key; known: samples, seed, keys");
            }
        }
        if (dims.Count > 0 && samples == 0) throw error("random.samples", "is 0, so the random search expands to zero runs; give samples >= 1");
        if (dims.Count == 0 && samples > 0) throw error("random.keys", "is empty; name the keys to sample");
        return d with { RandomSamples = samples, RandomSeed = seed, Random = dims };
    }

    private static SlurmResources ParseSlurm(YamlMappingNode node, Func<string, string, UserErrorException> error)
    {
        var r = new SlurmResources(1, "", "", "", 0, []);
        foreach (var (k, v) in node.Children)
        {
            string key = Scalar(k), where = "slurm." + key;
            r = key switch
            {
                "cpus_per_task" => r with { CpusPerTask = Int(v, where, 1, error) },
                "mem" => r with { Memory = Scalar(v) },
                "time" => r with { Time = Scalar(v) },
                "partition" => r with { Partition = Scalar(v) },
                "max_parallel" => r with { MaxParallel = Int(v, where, 0, error) },
                "extra" => r with { Extra = v is YamlSequenceNode s ? s.Children.Select(Scalar).ToArray() : [Scalar(v)] },
                _ => throw error(where, "unknown key; known: cpus_per_task, mem, time, partition, max_parallel, extra"),
            };
        }
        foreach (string value in new[] { r.Memory, r.Time, r.Partition }.Concat(r.Extra))
            if (value.Contains('\n')) throw error("slurm", $"'{value}' spans several lines; give one line per value");
        return r;
    }

    private static YamlMappingNode Mapping(YamlNode node, string key, Func<string, string, UserErrorException> error) =>
        node as YamlMappingNode ?? (node is YamlScalarNode { Value: null or "" } ? new YamlMappingNode() : throw error(key, "must be a mapping of keys to values"));

    private static int Int(YamlNode node, string key, int min, Func<string, string, UserErrorException> error)
    {
        if (!int.TryParse(Scalar(node), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min)
            throw error(key, $"'{Scalar(node)}' must be an integer >= {min}");
        return value;
    }

    private static double Num(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static string Scalar(YamlNode node) => node is YamlScalarNode s ? s.Value ?? "" : throw new UserErrorException($"expected a single value at line {node.Start.Line}, found a {node.NodeType}");

    // A grid value as --set text: scalars verbatim, sequences as [a,b].
    private static string ValueText(YamlNode node) => node is YamlSequenceNode seq ? "[" + string.Join(",", seq.Children.Select(Scalar)) + "]" : Scalar(node);

    private static IEnumerable<string> Flatten(YamlMappingNode node, string prefix)
    {
        foreach (var (k, v) in node.Children)
        {
            string key = prefix + Scalar(k);
            if (v is YamlMappingNode m) foreach (string o in Flatten(m, key + ".")) yield return o;
            else yield return $"{key}={ValueText(v)}";
        }
    }
}
