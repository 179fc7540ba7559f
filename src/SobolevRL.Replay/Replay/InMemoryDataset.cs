using static TorchSharp.torch;

namespace SobolevRL.Replay;

/// <summary>
/// A small labelled dataset held in memory (CPU tensors): train and held-out parts as <see cref="ReplayBatch"/>es, read
/// whole from a collected dataset (<see cref="OnDiskDataset.LoadIntoMemory"/>). For tests and small experiments.
/// </summary>
/// <param name="Summary">What the dataset holds.</param>
/// <param name="Train">All train states with their labels.</param>
/// <param name="HeldOut">All held-out states with their labels.</param>
public sealed record InMemoryDataset(DatasetSummary Summary, ReplayBatch Train, ReplayBatch HeldOut) : IReplayDataset
{
    /// <inheritdoc />
    /// <remarks>The in-memory dataset keeps no episode ids: its validation split is the last rows of the train part.</remarks>
    public IReplaySampler OpenSampler(int batchSize, long seed, long position, Device device, double validationFraction = 0) =>
        new InMemoryReplaySampler(this, batchSize, seed, position, device, Train.Size - ValidationRows(validationFraction));

    /// <inheritdoc />
    /// <remarks>The last rows of the train part (the in-memory dataset keeps no episode ids).</remarks>
    public ReplayBatch? Validation(double validationFraction, int maxStates, Device device)
    {
        long rows = ValidationRows(validationFraction);
        if (rows == 0) return null;
        return Train.PolicySlice(Train.Size - rows, Math.Min(maxStates, rows), device);
    }

    // Rows of the validation split: the fraction rounded up, at least one row and never every row (none of one row).
    private long ValidationRows(double fraction)
    {
        if (!(fraction >= 0 && fraction < 1)) throw new UserErrorException($"validation fraction {fraction}: must be in [0, 1)");
        if (fraction == 0 || Train.Size < 2) return 0;
        return Math.Clamp((long)Math.Ceiling(fraction * Train.Size), 1, Train.Size - 1);
    }

    /// <inheritdoc />
    ReplayBatch IReplayDataset.HeldOut(int maxStates, Device device) =>
        HeldOut.Slice(0, Math.Min(maxStates, HeldOut.Size), device);

    /// <inheritdoc />
    public void Dispose()
    {
        Train.Dispose();
        HeldOut.Dispose();
    }
}
