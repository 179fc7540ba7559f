namespace SobolevRL.Teachers;

/// <summary>
/// Picks actions from a batch of logits laid out row by row (B × A): greedy, ε-greedy, or sampled from softmax(z/τ).
/// One place for acting rules, used by teachers acting through ONNX Runtime and by collection.
/// </summary>
public static class ActionSelection
{
    /// <summary>The arg-max of each row (the first one on ties).</summary>
    public static void Greedy(ReadOnlySpan<float> logits, int actions, Span<int> chosen)
    {
        int batch = Rows(logits, actions, chosen);
        for (int b = 0; b < batch; b++) chosen[b] = ArgMax(logits.Slice(b * actions, actions));
    }

    /// <summary>With probability <paramref name="epsilon"/> a uniformly random action, otherwise the arg-max.</summary>
    public static void EpsilonGreedy(ReadOnlySpan<float> logits, int actions, double epsilon, Random random, Span<int> chosen)
    {
        if (epsilon is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be in [0, 1]");
        int batch = Rows(logits, actions, chosen);
        for (int b = 0; b < batch; b++)
            chosen[b] = random.NextDouble() < epsilon ? random.Next(actions) : ArgMax(logits.Slice(b * actions, actions));
    }

    /// <summary>A sample of softmax(z/τ) per row (τ &gt; 0), by inverse CDF on one uniform draw per row.</summary>
    public static void Sample(ReadOnlySpan<float> logits, int actions, double temperature, Random random, Span<int> chosen)
    {
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "temperature must be > 0");
        int batch = Rows(logits, actions, chosen);
        Span<double> weights = actions <= 256 ? stackalloc double[actions] : new double[actions];
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> row = logits.Slice(b * actions, actions);
            double max = row[ArgMax(row)], total = 0;
            for (int a = 0; a < actions; a++) total += weights[a] = Math.Exp((row[a] - max) / temperature);
            double u = random.NextDouble() * total;
            int pick = actions - 1;
            for (int a = 0; a < actions; a++)
            {
                u -= weights[a];
                if (u < 0) { pick = a; break; }
            }
            chosen[b] = pick;
        }
    }

    static int Rows(ReadOnlySpan<float> logits, int actions, Span<int> chosen)
    {
        if (actions < 1 || logits.Length % actions != 0 || logits.Length / actions > chosen.Length)
            throw new ArgumentException($"{logits.Length} logits are not rows of {actions} actions fitting {chosen.Length} results");
        return logits.Length / actions;
    }

    static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int a = 1; a < row.Length; a++) if (row[a] > row[best]) best = a;
        return best;
    }
}
