namespace SobolevRL.Envs.Core;

/// <summary>A family of environment ids (e.g. all <c>MinAtar/…</c> or all <c>ALE/…</c>) that the registry can make.</summary>
public interface IEnvFamily
{
    /// <summary>Id prefix of the family, e.g. <c>MinAtar/</c>.</summary>
    string Prefix { get; }

    /// <summary>Every id of the family with a one-line description (the default wrappers it applies).</summary>
    IEnumerable<(string Id, string Description)> Ids { get; }

    /// <summary>Option names the family understands, with their defaults and meaning.</summary>
    IEnumerable<(string Name, string Default, string Meaning)> Options { get; }

    /// <summary>Makes the environment for <paramref name="id"/> with <paramref name="options"/>; throws <see cref="EnvException"/> on bad input.</summary>
    IEnv Make(string id, EnvOptions options);
}
