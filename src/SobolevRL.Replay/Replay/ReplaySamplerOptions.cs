using static TorchSharp.torch;

namespace SobolevRL.Replay;

/// <summary>Options of a <see cref="ReplaySampler"/>.</summary>
public sealed record ReplaySamplerOptions
{
    /// <summary>States per batch.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Seed of the batch draws.</summary>
    public long Seed { get; init; }

    /// <summary>Index of the first batch drawn (a resumed run passes the batches it already took).</summary>
    public long StartPosition { get; init; }

    /// <summary>Device of the batches (null: CPU).</summary>
    public Device? Device { get; init; }

    /// <summary>
    /// Fraction of the training split's states to sample from (0 &lt; f ≤ 1): whole training episodes are taken in a fixed
    /// order derived from the dataset's collection seed until the fraction is reached, so smaller fractions are subsets of
    /// larger ones and do not depend on <see cref="Seed"/>.
    /// </summary>
    public double TrainFraction { get; init; } = 1.0;

    /// <summary>Fraction of the chosen training episodes' states held out for validation and never sampled (see <see cref="ReplayIndex"/>).</summary>
    public double ValidationFraction { get; init; }

    /// <summary>Ready batches kept ahead by the background workers (at least one per worker).</summary>
    public int Prefetch { get; init; } = 4;

    /// <summary>
    /// Background workers building batches (each builds every W-th batch; batches are still delivered in order, so the
    /// sequence for a seed does not depend on it). Idle workers cost nothing: they block once the queue is full.
    /// </summary>
    public int Workers { get; init; } = 2;

    /// <summary>After reading about this many bytes, mapped pages are dropped from the resident set (they stay in the page cache).</summary>
    public long ResidentBudgetBytes { get; init; } = 256L << 20;

    /// <summary>Check every shard's SHA-256 on open.</summary>
    public bool VerifyChecksums { get; init; } = true;
}
