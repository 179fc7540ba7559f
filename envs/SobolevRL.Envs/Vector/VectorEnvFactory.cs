using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Vector;

/// <summary>Builds vector envs from a factory of sub-envs.</summary>
public static class VectorEnvFactory
{
    /// <summary>A <see cref="SyncVectorEnv"/> when <paramref name="threads"/> is 1, else a <see cref="ThreadedVectorEnv"/>.</summary>
    public static IVectorEnv Create(Func<int, IEnv> makeEnv, int numEnvs, int threads) =>
        threads <= 1 ? new SyncVectorEnv(makeEnv, numEnvs) : new ThreadedVectorEnv(makeEnv, numEnvs, threads);

    /// <summary>Calls <paramref name="makeEnv"/>(i) for i in [0, <paramref name="numEnvs"/>); disposes the ones made if one throws.</summary>
    public static IReadOnlyList<IEnv> MakeAll(Func<int, IEnv> makeEnv, int numEnvs)
    {
        ArgumentNullException.ThrowIfNull(makeEnv);
        ArgumentOutOfRangeException.ThrowIfLessThan(numEnvs, 1);
        var envs = new List<IEnv>(numEnvs);
        try
        {
            for (int i = 0; i < numEnvs; i++) envs.Add(makeEnv(i));
            return envs;
        }
        catch
        {
            foreach (var env in envs) env.Dispose();
            throw;
        }
    }
}
