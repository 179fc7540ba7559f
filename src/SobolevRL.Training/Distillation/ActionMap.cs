using SobolevRL.Envs.Ale;
using SobolevRL.Envs.Core;
using SobolevRL.Envs.MinAtar;
using SobolevRL.Envs.Registry;

namespace SobolevRL.Distillation;

/// <summary>
/// Where an environment's actions sit in its family's full action set: action i of the environment is full-set action
/// <see cref="Indices"/>[i]. A MinAtar id's full set is the 6 actions of <c>-v0</c> (a <c>-v1</c> id's minimal set maps
/// into it); an ALE id's the 18 ALE actions; any other id is its own full set. A shared head of a multi-game student
/// outputs the full set, and each game's policy is the gather of its actions' logits.
/// </summary>
/// <param name="Set">The full action set, e.g. <c>MinAtar full action set (6 actions)</c>; two environments share a head only when these agree.</param>
/// <param name="FullActions">Size of the full set.</param>
/// <param name="Indices">Full-set index of each of the environment's actions.</param>
public sealed record ActionMap(string Set, int FullActions, IReadOnlyList<int> Indices)
{
    /// <summary>The environment acts in the full set itself, in its order (no gather needed).</summary>
    public bool IsFull => Indices.Count == FullActions && Indices.Select((full, i) => full == i).All(same => same);

    /// <summary>
    /// The map of environment <paramref name="envId"/>, read from the environment itself (MinAtar's minimal sets, ALE's
    /// action ids; an ALE id needs its ROM).
    /// </summary>
    /// <exception cref="UserErrorException">The environment cannot be made.</exception>
    public static ActionMap Of(string envId)
    {
        using var env = Make(envId);
        return Of(env);
    }

    /// <summary>The map of <paramref name="env"/> (see <see cref="Of(string)"/>).</summary>
    public static ActionMap Of(IEnv env)
    {
        int n = env.ActionSpace.N;
        if (Unwrap<MinAtarEnv>(env) is { } minatar)
            return new ActionMap($"MinAtar full action set ({MinAtarActions} actions)", MinAtarActions, [.. Enumerable.Range(0, n).Select(minatar.ToFullAction)]);
        if (Unwrap<AleEnv>(env) is { } ale)
        {
            var legal = ale.Emulator.LegalActionSet.ToList();
            return new ActionMap($"ALE full action set ({legal.Count} actions)", legal.Count, [.. ale.ActionSet.Select(a => legal.IndexOf(a))]);
        }
        return new ActionMap($"the action set of {env.Id} ({n} actions)", n, [.. Enumerable.Range(0, n)]);
    }

    /// <summary>Environment <paramref name="envId"/> with default options; an environment that cannot be made is a <see cref="UserErrorException"/>.</summary>
    public static IEnv Make(string envId)
    {
        try { return EnvRegistry.CreateDefault().Make(envId); }
        catch (EnvException e) { throw new UserErrorException($"cannot make {envId} to read its action set: {e.Message}"); }
    }

    /// <summary>
    /// The indices as a game's card and summary record them: null when the game's actions are the head's outputs in
    /// order (<see cref="IsFull"/>), else <see cref="Indices"/>.
    /// </summary>
    public int[]? Recorded => IsFull ? null : [.. Indices];

    private const int MinAtarActions = 6;

    private static T? Unwrap<T>(IEnv env) where T : class, IEnv => env as T ?? (env as EnvWrapper)?.Unwrap<T>();
}
