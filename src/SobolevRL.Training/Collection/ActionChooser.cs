namespace SobolevRL.Collection;

/// <summary>Turns acting logits into an action: ε-greedy argmax, or a sample of softmax(z/τ).</summary>
public static class ActionChooser
{
    /// <summary>Chooses an action from <paramref name="logits"/> with the randomness of <paramref name="random"/>.</summary>
    public static int Choose(ReadOnlySpan<float> logits, ActingMode mode, double epsilon, double temperature, Random random)
    {
        if (epsilon > 0 && random.NextDouble() < epsilon) return random.Next(logits.Length);
        if (mode == ActingMode.Greedy) return Argmax(logits);
        double max = double.NegativeInfinity;
        foreach (float z in logits) max = Math.Max(max, z / temperature);
        Span<double> weights = stackalloc double[logits.Length];
        double total = 0;
        for (int a = 0; a < logits.Length; a++) total += weights[a] = Math.Exp(logits[a] / temperature - max);
        double u = random.NextDouble() * total;
        for (int a = 0; a < logits.Length; a++)
        {
            u -= weights[a];
            if (u < 0) return a;
        }
        return logits.Length - 1;
    }

    /// <summary>Index of the largest logit (the first on ties).</summary>
    public static int Argmax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int a = 1; a < logits.Length; a++) if (logits[a] > logits[best]) best = a;
        return best;
    }
}
