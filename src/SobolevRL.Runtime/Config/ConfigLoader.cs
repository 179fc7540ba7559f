using SobolevRL.IO;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace SobolevRL.Config;

/// <summary>
/// Loads typed options from YAML: defaults (the options type's own initial values) ← a YAML file ← <c>key.path=value</c>
/// overrides. Keys are snake_case. A key the options type does not have, a value of the wrong type, or a value out of
/// range (see <see cref="IValidatable"/>) is a <see cref="UserErrorException"/> that names the key.
/// </summary>
public static class ConfigLoader
{
    // Enum values are written as the docs and --set spell them (kl, squared_l2, rms_prop); reading accepts those and
    // the PascalCase names older run directories saved.
    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .WithEnumNamingConvention(UnderscoredNamingConvention.Instance)
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.Preserve)
        .DisableAliases()
        .Build();

    private static readonly IDeserializer Deserializer = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .WithEnumNamingConvention(UnderscoredNamingConvention.Instance)
        .Build();

    /// <summary>Loads options: defaults, then <paramref name="yamlFile"/> (optional), then <paramref name="overrides"/> (<c>a.b=value</c>).</summary>
    public static T Load<T>(string? yamlFile, IEnumerable<string> overrides) where T : notnull, new()
    {
        var tree = ToTree(new T());
        if (yamlFile != null)
        {
            if (!File.Exists(yamlFile)) throw new UserErrorException($"config file '{yamlFile}' does not exist; pass an existing YAML file to `config`");
            YamlMappingNode file;
            try
            {
                var stream = new YamlStream();
                using var reader = new StreamReader(yamlFile);
                stream.Load(reader);
                file = stream.Documents.Count == 0 ? new YamlMappingNode() : stream.Documents[0].RootNode as YamlMappingNode
                    ?? throw new UserErrorException($"config file '{yamlFile}' must be a YAML mapping of keys to values");
            }
            catch (YamlException e)
            {
                throw new UserErrorException($"config file '{yamlFile}' is not valid YAML (line {e.Start.Line}): {e.Message}");
            }
            Merge(tree, file, "", yamlFile);
        }
        foreach (string pair in overrides) ApplyOverride(tree, pair);
        var options = FromTree<T>(tree);
        if (options is IValidatable v) v.Validate("");
        return options;
    }

    /// <summary>Serialises options to YAML (the resolved config saved into run directories).</summary>
    public static string ToYaml<T>(T options) where T : notnull => Serializer.Serialize(options);

    /// <summary>
    /// The YAML <see cref="ToYaml{T}"/> writes for the config saved in <paramref name="path"/>: what a resume compares
    /// its options with, so a file saved by an older version in another spelling still matches.
    /// </summary>
    public static string Canonical<T>(string path) where T : notnull, new() => ToYaml(Load<T>(path, []));

    /// <summary>
    /// Refuses to resume when <paramref name="yaml"/> (the resolved config now) differs from the config saved in
    /// <paramref name="savedPath"/>, naming each key that changed with its saved and new value.
    /// </summary>
    /// <param name="savedPath">The run's saved config.</param>
    /// <param name="yaml">The resolved config now.</param>
    /// <param name="defaultsYaml">The defaults now: a key the saved config lacks (added by a later version) is accepted at its default.</param>
    public static void CheckUnchanged(string savedPath, string yaml, string? defaultsYaml = null)
    {
        string saved = File.ReadAllText(savedPath);
        if (saved == yaml) return;
        var before = Flatten(saved);
        var now = Flatten(yaml);
        var defaults = defaultsYaml is null ? [] : Flatten(defaultsYaml);
        var changed = before.Keys.Union(now.Keys).Order(StringComparer.Ordinal)
            .Where(k => before.GetValueOrDefault(k) != now.GetValueOrDefault(k))
            .Where(k => before.ContainsKey(k) || !defaults.TryGetValue(k, out string? d) || d != now.GetValueOrDefault(k))
            .Select(k => $"{k} ({before.GetValueOrDefault(k) ?? "absent"} → {now.GetValueOrDefault(k) ?? "absent"})").ToList();
        if (changed.Count == 0 && defaultsYaml != null) return; // only keys added since, at their defaults
        string what = changed.Count > 0 ? "config key " + string.Join(", ", changed) + " changed" : "the config text differs";
        throw new UserErrorException($"cannot resume: {what} since the run was started (saved in '{savedPath}'); resume without {UserErrorException.Key("config")}/{UserErrorException.Key("set")}/{UserErrorException.Key("student")} changes, or start a new run");
    }

    // Dotted key → scalar value (sequences joined by commas) of a YAML mapping.
    private static Dictionary<string, string> Flatten(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var flat = new Dictionary<string, string>(StringComparer.Ordinal);
        if (stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode root) Flatten(root, "", flat);
        return flat;
    }

    private static void Flatten(YamlMappingNode node, string prefix, Dictionary<string, string> flat)
    {
        foreach (var (k, v) in node.Children)
        {
            string key = prefix + ((YamlScalarNode)k).Value;
            if (v is YamlMappingNode m) Flatten(m, key + ".", flat);
            else flat[key] = v is YamlSequenceNode seq ? string.Join(",", seq.Children.Select(c => c.ToString())) : ((YamlScalarNode)v).Value ?? "";
        }
    }

    /// <summary>Writes the resolved options to <paramref name="path"/> as YAML (through <see cref="AtomicFile"/>: a run killed mid-write keeps its old config or none).</summary>
    public static void Save<T>(T options, string path) where T : notnull => AtomicFile.WriteText(path, ToYaml(options));

    private static YamlMappingNode ToTree<T>(T options) where T : notnull
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(Serializer.Serialize(options)));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static T FromTree<T>(YamlMappingNode tree)
    {
        var text = new StringWriter();
        new YamlStream(new YamlDocument(tree)).Save(text, assignAnchors: false);
        try
        {
            return Deserializer.Deserialize<T>(text.ToString());
        }
        catch (YamlException e)
        {
            // Positions in the exception refer to the serialised text: parse it again to find the key on that line.
            var reparsed = new YamlStream();
            reparsed.Load(new StringReader(text.ToString()));
            string key = KeyAtLine((YamlMappingNode)reparsed.Documents[0].RootNode, e.Start.Line) ?? "?";
            if (TypeAt(typeof(T), key) is { IsEnum: true } choices)
                throw new UserErrorException($"config {key}: {Innermost(e).Message.TrimEnd('.')}; valid values: {string.Join(", ", Enum.GetNames(choices).Select(n => n.ToLowerInvariant()))}");
            throw new UserErrorException($"config {key}: {Innermost(e).Message.TrimEnd('.')}; fix the value's type");
        }
    }

    // The property type behind a dotted config key (names as the underscored naming convention writes them), or null.
    private static Type? TypeAt(Type type, string key)
    {
        foreach (string part in key.Split('.'))
        {
            var property = type.GetProperties().FirstOrDefault(p => UnderscoredNamingConvention.Instance.Apply(p.Name) == part);
            if (property is null) return null;
            type = property.PropertyType;
        }
        return type;
    }

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);

    // Finds the dotted key whose scalar value sits on a given line of the serialised tree.
    private static string? KeyAtLine(YamlMappingNode tree, long line, string prefix = "")
    {
        foreach (var (k, v) in tree.Children)
        {
            string key = prefix + ((YamlScalarNode)k).Value;
            if (v is YamlMappingNode m) { if (KeyAtLine(m, line, key + ".") is { } found) return found; }
            else if (v.Start.Line == line || k.Start.Line == line) return key;
        }
        return null;
    }

    private static void Merge(YamlMappingNode target, YamlMappingNode source, string prefix, string origin)
    {
        foreach (var (k, v) in source.Children)
        {
            string name = ((YamlScalarNode)k).Value ?? "";
            string key = prefix + name;
            var existingKey = new YamlScalarNode(name);
            if (!target.Children.TryGetValue(existingKey, out var existing))
                throw UnknownKey(key, target, prefix, origin);
            if (existing is YamlMappingNode sub)
            {
                if (v is not YamlMappingNode subSource)
                    throw new UserErrorException($"config {key} (in {origin}) is a section; give it keys: {string.Join(", ", Keys(sub))}");
                Merge(sub, subSource, key + ".", origin);
            }
            else
            {
                target.Children[existingKey] = v;
            }
        }
    }

    private static void ApplyOverride(YamlMappingNode tree, string pair)
    {
        int eq = pair.IndexOf('=');
        if (eq <= 0) throw new UserErrorException($"`set` '{pair}' is not of the form key.path=value (the command's help shows examples)");
        string[] path = pair[..eq].Trim().Split('.');
        string value = pair[(eq + 1)..].Trim();
        var node = tree;
        for (int i = 0; i < path.Length; i++)
        {
            string prefix = string.Join('.', path.Take(i));
            var key = new YamlScalarNode(path[i]);
            if (!node.Children.TryGetValue(key, out var child))
                throw UnknownKey(string.Join('.', path.Take(i + 1)), node, prefix.Length == 0 ? "" : prefix + ".", "`set`");
            if (i == path.Length - 1)
            {
                if (child is YamlMappingNode m)
                    throw new UserErrorException($"`set` {pair}: {string.Join('.', path)} is a section; set one of its keys: {string.Join(", ", Keys(m))}");
                node.Children[key] = ParseValue(value, child);
            }
            else
            {
                node = child as YamlMappingNode
                    ?? throw new UserErrorException($"`set` {pair}: {string.Join('.', path.Take(i + 1))} is a value, not a section");
            }
        }
    }

    private static YamlNode ParseValue(string value, YamlNode current)
    {
        if (value.StartsWith('[') || current is YamlSequenceNode)
        {
            string inner = value.Trim('[', ']');
            var seq = new YamlSequenceNode();
            foreach (string item in inner.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                seq.Add(new YamlScalarNode(item));
            return seq;
        }
        return new YamlScalarNode(value);
    }

    private static UserErrorException UnknownKey(string key, YamlMappingNode where, string prefix, string origin) =>
        new($"unknown config key '{key}' (from {origin}); known keys here: {string.Join(", ", Keys(where).Select(k => prefix + k))}");

    private static IEnumerable<string> Keys(YamlMappingNode node) =>
        node.Children.Keys.Select(k => ((YamlScalarNode)k).Value ?? "").Order(StringComparer.Ordinal);
}
