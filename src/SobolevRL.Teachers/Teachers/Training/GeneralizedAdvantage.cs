namespace SobolevRL.Teachers.Training;

/// <summary>
/// Generalised advantage estimation (Schulman et al. 2016) over a rollout of T steps × E envs, stored step-major
/// (index t·E + e). With same-step auto-reset the observation after a finished episode belongs to the next episode,
/// so the trace is cut there, and what is bootstrapped depends on how the episode ended: nothing after a
/// termination (the game is over), V(final observation) after a truncation (the game would have gone on).
/// </summary>
public static class GeneralizedAdvantage
{
    /// <summary>
    /// Writes advantages Â_t = δ_t + γλ(1 − done_t)Â_{t+1} with δ_t = r_t + γ·V_next − V(s_t), and returns Â_t + V(s_t).
    /// V_next is 0 when step t terminated, <paramref name="truncationValues"/>[t·E+e] when it was truncated,
    /// otherwise V(s_{t+1}) — from <paramref name="values"/>, or <paramref name="lastValues"/>[e] for the last step.
    /// </summary>
    /// <param name="rewards">r_t, T·E.</param>
    /// <param name="values">V(s_t) under the rollout's policy, T·E.</param>
    /// <param name="terminated">Step t ended the episode in a terminal state, T·E.</param>
    /// <param name="truncated">Step t ended the episode by a limit, T·E.</param>
    /// <param name="truncationValues">V(final observation) for truncated steps (other entries unused), T·E.</param>
    /// <param name="lastValues">V of the observation after the last step, E.</param>
    /// <param name="gamma">Discount γ.</param>
    /// <param name="lambda">GAE λ.</param>
    /// <param name="advantages">Output Â, T·E.</param>
    /// <param name="returns">Output value targets Â + V, T·E.</param>
    public static void Compute(ReadOnlySpan<float> rewards, ReadOnlySpan<float> values, ReadOnlySpan<bool> terminated,
        ReadOnlySpan<bool> truncated, ReadOnlySpan<float> truncationValues, ReadOnlySpan<float> lastValues,
        double gamma, double lambda, Span<float> advantages, Span<float> returns)
    {
        int envs = lastValues.Length;
        int n = rewards.Length;
        if (envs == 0 || n % envs != 0) throw new ArgumentException($"rollout of {n} entries is not a whole number of steps of {envs} envs");
        foreach (int length in new[] { values.Length, terminated.Length, truncated.Length, truncationValues.Length, advantages.Length, returns.Length })
        {
            if (length != n) throw new ArgumentException($"every rollout array needs {n} entries; one has {length}");
        }
        int steps = n / envs;
        for (int e = 0; e < envs; e++)
        {
            double next = 0; // Â_{t+1}
            for (int t = steps - 1; t >= 0; t--)
            {
                int i = t * envs + e;
                double nextValue;
                bool cut;
                if (terminated[i]) { nextValue = 0; cut = true; }
                else if (truncated[i]) { nextValue = truncationValues[i]; cut = true; }
                else { nextValue = t == steps - 1 ? lastValues[e] : values[i + envs]; cut = t == steps - 1; }
                double delta = rewards[i] + gamma * nextValue - values[i];
                double advantage = delta + (cut ? 0 : gamma * lambda * next);
                advantages[i] = (float)advantage;
                returns[i] = (float)(advantage + values[i]);
                next = advantage;
            }
        }
    }
}
