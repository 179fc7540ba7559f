using SobolevRL.Envs.Vector;

namespace SobolevRL.Envs.Tests.Vector;

/// <summary>Everything a vector env returned over a run with seeded random actions, for comparing runs.</summary>
public sealed record VectorRollout(List<byte[]> Observations, List<float[]> Rewards, List<bool[]> Terminated, List<bool[]> Truncated, List<byte[]> FinalObservations)
{
    public static VectorRollout Run(IVectorEnv venv, long seed, int steps, int actionSeed)
    {
        int e = venv.NumEnvs, size = venv.SingleObservationSpace.Size;
        var rollout = new VectorRollout([], [], [], [], []);
        var obs = new byte[e * size];
        var actions = new int[e];
        var rewards = new float[e];
        var terminated = new bool[e];
        var truncated = new bool[e];
        venv.Reset(seed, obs);
        rollout.Observations.Add(obs.ToArray());
        var rng = new System.Random(actionSeed);
        for (int t = 0; t < steps; t++)
        {
            for (int i = 0; i < e; i++) actions[i] = rng.Next(venv.ActionSpace.N);
            venv.Step(actions, obs, rewards, terminated, truncated);
            rollout.Observations.Add(obs.ToArray());
            rollout.Rewards.Add(rewards.ToArray());
            rollout.Terminated.Add(terminated.ToArray());
            rollout.Truncated.Add(truncated.ToArray());
            var finals = new byte[e * size];
            for (int i = 0; i < e; i++)
                if (terminated[i] || truncated[i]) venv.FinalObservation(i).CopyTo(finals.AsSpan(i * size));
            rollout.FinalObservations.Add(finals);
        }
        return rollout;
    }

    public void AssertSameAs(VectorRollout other)
    {
        Assert.Equal(Observations.Count, other.Observations.Count);
        for (int t = 0; t < Observations.Count; t++) Assert.True(Observations[t].AsSpan().SequenceEqual(other.Observations[t]), $"observations differ at step {t}");
        for (int t = 0; t < Rewards.Count; t++)
        {
            Assert.Equal(Rewards[t], other.Rewards[t]);
            Assert.Equal(Terminated[t], other.Terminated[t]);
            Assert.Equal(Truncated[t], other.Truncated[t]);
            Assert.True(FinalObservations[t].AsSpan().SequenceEqual(other.FinalObservations[t]), $"final observations differ at step {t}");
        }
    }

    public int EpisodeEnds => Terminated.Sum(row => row.Count(d => d)) + Truncated.Sum(row => row.Count(d => d));
}
