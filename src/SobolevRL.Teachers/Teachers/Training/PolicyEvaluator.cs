using SobolevRL.Envs.Core;
using TorchSharp;
using static TorchSharp.torch;
using SobolevRL.Hardware;
using SobolevRL.Policies;

namespace SobolevRL.Teachers.Training;

/// <summary>How an evaluated policy picks actions.</summary>
public enum ActingMode
{
    /// <summary>argmax of the logits.</summary>
    Greedy,
    /// <summary>A sample from softmax(logits / τ).</summary>
    Stochastic,
}

/// <summary>Returns of evaluation episodes, in episode order.</summary>
/// <param name="Returns">Return of each episode.</param>
/// <param name="Lengths">Length of each episode in steps.</param>
/// <param name="Truncated">Episodes cut by the step limit.</param>
public sealed record EvaluationResult(double[] Returns, int[] Lengths, int Truncated)
{
    /// <summary>Mean return.</summary>
    public double Mean => Returns.Length == 0 ? double.NaN : Returns.Average();

    /// <summary>Population standard deviation of the returns.</summary>
    public double Std
    {
        get
        {
            if (Returns.Length == 0) return double.NaN;
            double mean = Mean;
            return Math.Sqrt(Returns.Sum(r => (r - mean) * (r - mean)) / Returns.Length);
        }
    }
}

/// <summary>
/// Plays whole episodes with an <see cref="IPolicy"/>, several envs at once in one batched forward pass. Episode k
/// is reset with seed <c>seed + k</c>, whichever env plays it, so every episode counts once whatever its length
/// (no bias towards short episodes) and the result depends only on the seed.
/// </summary>
public static class PolicyEvaluator
{
    /// <summary>Plays <paramref name="episodes"/> episodes of envs made by <paramref name="makeEnv"/>.</summary>
    /// <param name="policy">The policy; observations are passed as float32 in the env's range.</param>
    /// <param name="makeEnv">Makes one evaluation env (with its sticky actions etc.).</param>
    /// <param name="episodes">Episodes to play.</param>
    /// <param name="mode">Greedy or stochastic acting.</param>
    /// <param name="seed">Seed of episode 0 (and of the action sampler).</param>
    /// <param name="maxEpisodeSteps">Cut episodes after this many steps (0: never).</param>
    /// <param name="parallel">Envs stepped together.</param>
    /// <param name="progress">Called with the number of finished episodes.</param>
    public static EvaluationResult Run(IPolicy policy, Func<IEnv> makeEnv, int episodes, ActingMode mode, long seed,
        int maxEpisodeSteps = 0, int parallel = 16, Action<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentOutOfRangeException.ThrowIfNegative(episodes);
        var returns = new double[episodes];
        var lengths = new int[episodes];
        int truncatedCount = 0;
        int slots = Math.Max(1, Math.Min(parallel, episodes));
        var envs = new IEnv[slots];
        try
        {
            for (int i = 0; i < slots; i++) envs[i] = makeEnv();
            int obsSize = envs[0].ObservationSpace.Size;
            long[] shape = envs[0].ObservationSpace.Shape.Select(d => (long)d).ToArray();
            var observations = new byte[slots * obsSize];
            var episodeOf = new int[slots];
            var total = new double[slots];
            var steps = new int[slots];
            var active = new List<int>();
            int nextEpisode = 0, finished = 0;
            void Start(int slot)
            {
                episodeOf[slot] = nextEpisode;
                envs[slot].Reset(seed + nextEpisode, observations.AsSpan(slot * obsSize, obsSize));
                nextEpisode++;
                total[slot] = 0;
                steps[slot] = 0;
            }
            for (int i = 0; i < slots && nextEpisode < episodes; i++) { Start(i); active.Add(i); }

            using var generator = new Generator((ulong)seed);
            var batch = new byte[slots * obsSize];
            var actions = new long[slots];
            while (active.Count > 0)
            {
                for (int j = 0; j < active.Count; j++)
                    observations.AsSpan(active[j] * obsSize, obsSize).CopyTo(batch.AsSpan(j * obsSize, obsSize));
                using (var scope = NewDisposeScope())
                using (no_grad())
                {
                    Tensor obs = tensor(batch, [slots, .. shape]).narrow(0, 0, active.Count).to(float32, policy.Device);
                    Tensor logits = policy.Logits(obs);
                    Tensor chosen = mode == ActingMode.Greedy
                        ? logits.argmax(-1)
                        : logits.DividedBy(policy.Temperature).softmax(-1).cpu().multinomial(1, generator: generator).squeeze(-1);
                    chosen.cpu().data<long>().CopyTo(actions.AsSpan(0, active.Count));
                }
                for (int j = active.Count - 1; j >= 0; j--)
                {
                    int slot = active[j];
                    var result = envs[slot].Step((int)actions[j], observations.AsSpan(slot * obsSize, obsSize));
                    total[slot] += result.Reward;
                    steps[slot]++;
                    bool cut = !result.Done && maxEpisodeSteps > 0 && steps[slot] >= maxEpisodeSteps;
                    if (!result.Done && !cut) continue;
                    returns[episodeOf[slot]] = total[slot];
                    lengths[episodeOf[slot]] = steps[slot];
                    if (cut || !result.Terminated) truncatedCount++;
                    finished++;
                    progress?.Invoke(finished);
                    if (nextEpisode < episodes) Start(slot);
                    else active.RemoveAt(j);
                }
            }
        }
        finally
        {
            foreach (var env in envs) env?.Dispose();
        }
        return new EvaluationResult(returns, lengths, truncatedCount);
    }
}
