using SobolevRL.Envs.Wrappers;
using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Replay;

/// <summary>
/// Samples minibatches (uniformly, with replacement) from labelled states held in memory. The batch at position p
/// depends only on (seed, p), so a sampler recreated at a saved position continues the same sequence.
/// </summary>
public sealed class InMemoryReplaySampler : IReplaySampler
{
    private readonly InMemoryDataset _data;
    private readonly long _seed;
    private readonly int _batchSize;
    private readonly Device _device;
    private readonly long _trainRows;

    /// <summary>
    /// Samples batches of <paramref name="batchSize"/> train states of <paramref name="data"/> among its first
    /// <paramref name="trainRows"/> (all when null), starting at <paramref name="position"/>.
    /// </summary>
    public InMemoryReplaySampler(InMemoryDataset data, int batchSize, long seed, long position, Device device, long? trainRows = null)
    {
        _trainRows = trainRows ?? data.Train.Size;
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        _data = data;
        _batchSize = batchSize;
        _seed = seed;
        _device = device;
        Position = position;
    }

    /// <inheritdoc />
    public DatasetSummary Dataset => _data.Summary;

    /// <inheritdoc />
    public long TrainStates => _trainRows;

    /// <inheritdoc />
    public long Position { get; private set; }

    /// <inheritdoc />
    public ReplayBatch Next()
    {
        using var generator = new Generator(unchecked((ulong)Mix(_seed, Position)));
        using var indices = randint(0, _trainRows, [_batchSize], dtype: ScalarType.Int64, generator: generator);
        Position++;
        return _data.Train.Select(indices, _device);
    }

    // SplitMix64 of the pair, so nearby (seed, position) pairs give unrelated generator seeds.
    private static long Mix(long seed, long position)
        => unchecked((long)(SeedMixer.Finalise((ulong)seed * SeedMixer.Golden + (ulong)position + 0x632BE59BD9B4E019UL) & 0x7FFFFFFFFFFFFFFFUL));

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
