using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Vector;

/// <summary>A vector env that steps its sub-envs one after another on the calling thread (semantics in <see cref="IVectorEnv"/>).</summary>
public sealed class SyncVectorEnv : VectorEnvBase
{
    /// <summary>Takes ownership of <paramref name="envs"/>.</summary>
    public SyncVectorEnv(IReadOnlyList<IEnv> envs) : base(envs) { }

    /// <summary>Makes <paramref name="numEnvs"/> sub-envs with <paramref name="makeEnv"/>(index).</summary>
    public SyncVectorEnv(Func<int, IEnv> makeEnv, int numEnvs) : base(VectorEnvFactory.MakeAll(makeEnv, numEnvs)) { }

    private protected override Exception? Execute(in VectorBatch batch) => RunRange(in batch, 0, NumEnvs);
}
