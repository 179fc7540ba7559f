using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Registry;

/// <summary>
/// Makes environments from ids such as <c>MinAtar/Breakout-v1</c>. Each <see cref="IEnvFamily"/> owns the ids that
/// start with its <see cref="IEnvFamily.Prefix"/>; an id nobody owns, or that its family does not list, is an
/// <see cref="EnvException"/> that lists the known ids and suggests the closest one.
/// </summary>
public sealed class EnvRegistry
{
    private readonly List<IEnvFamily> _families = [];

    /// <summary>Creates a registry of <paramref name="families"/>; prefixes must be distinct and none a prefix of another.</summary>
    public EnvRegistry(IEnumerable<IEnvFamily> families)
    {
        foreach (var family in families) Register(family);
    }

    /// <summary>A registry of every built-in family (<see cref="BuiltInFamilies"/>).</summary>
    public static EnvRegistry CreateDefault() => new(BuiltInFamilies.Create());

    /// <summary>The registered families, in registration order.</summary>
    public IReadOnlyList<IEnvFamily> Families => _families;

    /// <summary>Adds a family; throws <see cref="ArgumentException"/> when its prefix overlaps a registered one.</summary>
    public void Register(IEnvFamily family)
    {
        ArgumentNullException.ThrowIfNull(family);
        if (string.IsNullOrEmpty(family.Prefix)) throw new ArgumentException("an env family needs a non-empty prefix", nameof(family));
        foreach (var other in _families)
        {
            if (other.Prefix.StartsWith(family.Prefix, StringComparison.Ordinal) || family.Prefix.StartsWith(other.Prefix, StringComparison.Ordinal))
                throw new ArgumentException($"env family prefix '{family.Prefix}' overlaps the registered prefix '{other.Prefix}'", nameof(family));
        }
        _families.Add(family);
    }

    /// <summary>Every id of every family, in registration order (what <c>sobolevrl env list</c> prints).</summary>
    public IReadOnlyList<EnvListing> List() =>
        _families.SelectMany(f => f.Ids.Select(e => new EnvListing(e.Id, f.Prefix, e.Description))).ToList();

    /// <summary>
    /// Makes the environment <paramref name="id"/> (ids are case-sensitive). Options that the family did not read are
    /// an error. Throws <see cref="EnvException"/> for an unknown id, naming the known ones and the closest match.
    /// </summary>
    public IEnv Make(string id, EnvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(id);
        options ??= EnvOptions.Empty;
        var family = _families.FirstOrDefault(f => id.StartsWith(f.Prefix, StringComparison.Ordinal));
        if (family is null || !family.Ids.Any(e => e.Id == id)) throw UnknownId(id);
        var env = family.Make(id, options);
        try
        {
            options.ThrowIfUnused(id, family.Options.Select(o => o.Name));
        }
        catch
        {
            env.Dispose();
            throw;
        }
        return env;
    }

    private EnvException UnknownId(string id)
    {
        var known = List().Select(e => e.Id).ToList();
        if (known.Count == 0) return new EnvException($"unknown environment id '{id}': no environment family is registered");
        string closest = known.MinBy(k => EditDistance.Between(id, k))!;
        int distance = EditDistance.Between(id, closest);
        // Suggest only when the typo is small relative to the id; otherwise the suggestion is noise.
        string suggestion = distance <= Math.Max(2, closest.Length / 3) ? $" Did you mean '{closest}'?" : "";
        return new EnvException($"unknown environment id '{id}'.{suggestion} Known ids: {string.Join(", ", known)} (see `sobolevrl env list`)");
    }
}
