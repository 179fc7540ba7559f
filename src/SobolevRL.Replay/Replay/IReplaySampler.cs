namespace SobolevRL.Replay;

/// <summary>
/// Draws training minibatches from a dataset. Deterministic: the same dataset, seed and start position give the same
/// sequence of batches, so a resumed training run continues exactly where it stopped.
/// </summary>
public interface IReplaySampler : IDisposable
{
    /// <summary>What the dataset holds.</summary>
    DatasetSummary Dataset { get; }

    /// <summary>States the batches are drawn from (the training split without its validation part).</summary>
    long TrainStates { get; }

    /// <summary>Number of batches drawn so far (including the start position given at creation).</summary>
    long Position { get; }

    /// <summary>The next minibatch, on the sampler's device; the caller disposes it.</summary>
    ReplayBatch Next();
}
