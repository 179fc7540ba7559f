using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Registry;

/// <summary>The environment families shipped with SobolevRL, in the order <c>sobolevrl env list</c> shows them.</summary>
public static class BuiltInFamilies
{
    /// <summary>
    /// A new instance of every built-in family. Adding a family is one line in this list
    /// (the MinAtar grid games and the ALE Atari games are added here when their code is merged).
    /// </summary>
    public static IReadOnlyList<IEnvFamily> Create() =>
    [
    ];
}
