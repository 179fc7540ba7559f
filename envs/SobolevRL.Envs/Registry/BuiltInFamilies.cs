using SobolevRL.Envs.Ale;
using SobolevRL.Envs.Core;
using SobolevRL.Envs.MinAtar;

namespace SobolevRL.Envs.Registry;

/// <summary>The environment families shipped with SobolevRL, in the order <c>sobolevrl env list</c> shows them.</summary>
public static class BuiltInFamilies
{
    /// <summary>
    /// A new instance of every built-in family. Adding a family is one line in this list.
    /// </summary>
    public static IReadOnlyList<IEnvFamily> Create() =>
    [
        new MinAtarFamily(),
        new AleFamily(),
    ];
}
