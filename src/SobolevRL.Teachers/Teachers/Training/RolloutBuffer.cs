using static TorchSharp.torch;

namespace SobolevRL.Teachers.Training;

/// <summary>
/// One rollout of T steps × E envs, step-major (entry t·E + e): observations as the envs gave them (uint8), actions,
/// their log-probabilities and values under the acting policy, rewards, how episodes ended, and V(final observation)
/// of truncated episodes for bootstrapping. Filled step by step, then turned into advantages and tensors.
/// </summary>
public sealed class RolloutBuffer
{
    /// <summary>Creates a buffer of <paramref name="steps"/> × <paramref name="envs"/> entries of observations of <paramref name="observationSize"/> bytes.</summary>
    public RolloutBuffer(int steps, int envs, int observationSize)
    {
        Steps = steps;
        Envs = envs;
        ObservationSize = observationSize;
        int n = steps * envs;
        Observations = new byte[(long)n * observationSize];
        Actions = new long[n];
        LogProbs = new float[n];
        Values = new float[n];
        Rewards = new float[n];
        Terminated = new bool[n];
        Truncated = new bool[n];
        TruncationValues = new float[n];
        LastValues = new float[envs];
        Advantages = new float[n];
        Returns = new float[n];
    }

    /// <summary>Steps T.</summary>
    public int Steps { get; }
    /// <summary>Envs E.</summary>
    public int Envs { get; }
    /// <summary>Bytes of one observation.</summary>
    public int ObservationSize { get; }
    /// <summary>Entries T·E.</summary>
    public int Count => Steps * Envs;

    /// <summary>Observations s_t, T·E × observation bytes.</summary>
    public byte[] Observations { get; }
    /// <summary>Actions a_t.</summary>
    public long[] Actions { get; }
    /// <summary>log π(a_t|s_t) under the acting policy.</summary>
    public float[] LogProbs { get; }
    /// <summary>V(s_t) under the acting policy.</summary>
    public float[] Values { get; }
    /// <summary>Rewards r_t.</summary>
    public float[] Rewards { get; }
    /// <summary>Step t ended its episode in a terminal state.</summary>
    public bool[] Terminated { get; }
    /// <summary>Step t ended its episode by a limit.</summary>
    public bool[] Truncated { get; }
    /// <summary>V(final observation) of truncated steps.</summary>
    public float[] TruncationValues { get; }
    /// <summary>V of the observation after the last step, per env.</summary>
    public float[] LastValues { get; }
    /// <summary>GAE advantages (after <see cref="ComputeAdvantages"/>).</summary>
    public float[] Advantages { get; }
    /// <summary>Value targets (after <see cref="ComputeAdvantages"/>).</summary>
    public float[] Returns { get; }

    /// <summary>The observation slot of step <paramref name="step"/> (all envs), to be written by the vector env.</summary>
    public Span<byte> ObservationsAt(int step) => Observations.AsSpan(step * Envs * ObservationSize, Envs * ObservationSize);

    /// <summary>Fills <see cref="Advantages"/> and <see cref="Returns"/> with GAE(γ, λ).</summary>
    public void ComputeAdvantages(double gamma, double lambda) =>
        GeneralizedAdvantage.Compute(Rewards, Values, Terminated, Truncated, TruncationValues, LastValues, gamma, lambda, Advantages, Returns);

    /// <summary>The rollout as tensors on <paramref name="device"/> (observations as float32 T·E × <paramref name="observationShape"/>).</summary>
    public RolloutTensors ToTensors(long[] observationShape, Device device)
    {
        using var raw = tensor(Observations, [Count, .. observationShape]);
        return new RolloutTensors(
            raw.to(float32, device),
            tensor(Actions, device: device),
            tensor(LogProbs, device: device),
            tensor(Values, device: device),
            tensor(Advantages, device: device),
            tensor(Returns, device: device));
    }
}

/// <summary>A rollout as tensors for the PPO update (entries along dimension 0).</summary>
/// <param name="Observations">Float32 observations.</param>
/// <param name="Actions">Actions (int64).</param>
/// <param name="LogProbs">log π_old(a|s).</param>
/// <param name="Values">V_old(s).</param>
/// <param name="Advantages">GAE advantages.</param>
/// <param name="Returns">Value targets.</param>
public sealed record RolloutTensors(Tensor Observations, Tensor Actions, Tensor LogProbs, Tensor Values, Tensor Advantages, Tensor Returns) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Observations.Dispose();
        Actions.Dispose();
        LogProbs.Dispose();
        Values.Dispose();
        Advantages.Dispose();
        Returns.Dispose();
    }
}
