using static TorchSharp.torch;

namespace SobolevRL.Replay;

/// <summary>
/// A dataset directory written by the collector, as a distillation trainer sees it: training batches come from a
/// <see cref="ReplaySampler"/> over the training split (optionally a fraction of its episodes), held-out states from the
/// held-out episodes. The directory is verified once on open (SHA-256 of every shard); samplers opened later reuse that
/// verdict instead of hashing the shards again.
/// </summary>
public sealed class OnDiskDataset : IReplayDataset
{
    private readonly DatasetReader _reader;
    private readonly ReplayIndex _index;
    private readonly double _trainFraction;

    private OnDiskDataset(DatasetReader reader, double trainFraction)
    {
        _reader = reader;
        _trainFraction = trainFraction;
        _index = new ReplayIndex(reader, trainFraction);
        if (_index.TrainRows.Length == 0)
            throw new UserErrorException($"dataset {reader.Directory} has no usable training states{ProblemText(reader)}; collect more states or lower `heldout_fraction`");
        if (_index.HeldOutRows.Length == 0)
            throw new UserErrorException($"dataset {reader.Directory} has no held-out states; collect it with a held-out fraction above 0 and, when episodes outlast the collection, `split` streams (holds out whole env streams)");
        var full = reader.Summary();
        Summary = full with { TrainStates = _index.TrainRows.Length, HeldOutStates = _index.HeldOutRows.Length };
    }

    /// <summary>
    /// Opens the dataset in <paramref name="directory"/>, training on <paramref name="trainFraction"/> of its training
    /// episodes (chosen as <see cref="ReplaySamplerOptions.TrainFraction"/> describes). Throws
    /// <see cref="UserErrorException"/> when it is not a dataset, is empty, or has no held-out split.
    /// </summary>
    public static OnDiskDataset Open(string directory, double trainFraction = 1.0, bool verifyChecksums = true)
    {
        var reader = DatasetReader.Open(directory, verifyChecksums);
        try
        {
            return new OnDiskDataset(reader, trainFraction);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public DatasetSummary Summary { get; }

    /// <summary>The dataset directory.</summary>
    public string Directory => _reader.Directory;

    /// <summary>The manifest.</summary>
    public DatasetManifest Manifest => _reader.Manifest;

    /// <summary>Committed shards left out on open as damaged (see <see cref="DatasetReader.Damaged"/>).</summary>
    public IReadOnlyList<string> Damaged => _reader.Damaged;

    /// <summary>Refuses damaged shards unless <paramref name="allowDamaged"/> (see <see cref="DatasetReader.RefuseDamaged"/>).</summary>
    public void RefuseDamaged(bool allowDamaged, string allowHint) => _reader.RefuseDamaged(allowDamaged, allowHint);

    /// <summary>Shards left out on open (torn, missing, failing their checksum), one line each.</summary>
    public IReadOnlyList<string> Problems => _reader.Problems;

    /// <summary>Training episodes used (all of them, or the chosen fraction).</summary>
    public int TrainEpisodes => _index.TrainEpisodes;

    /// <inheritdoc />
    public IReplaySampler OpenSampler(int batchSize, long seed, long position, Device device, double validationFraction = 0) =>
        new ReplaySampler(_reader, validationFraction > 0 ? new ReplayIndex(_reader, _trainFraction, validationFraction) : _index, new ReplaySamplerOptions
        {
            BatchSize = batchSize,
            Seed = seed,
            StartPosition = position,
            Device = device,
            TrainFraction = _trainFraction,
            ValidationFraction = validationFraction,
        });

    /// <inheritdoc />
    public ReplayBatch HeldOut(int maxStates, Device device)
    {
        var rows = _index.HeldOutRows;
        return new ReplayBatchBuilder(_reader, _index, device).Build(rows.AsSpan(0, Math.Min(maxStates, rows.Length)));
    }

    /// <inheritdoc />
    public ReplayBatch? Validation(double validationFraction, int maxStates, Device device)
    {
        var index = new ReplayIndex(_reader, _trainFraction, validationFraction);
        var rows = index.ValidationRows;
        if (rows.Length == 0) return null;
        return new ReplayBatchBuilder(_reader, index, device).Build(rows.AsSpan(0, Math.Min(maxStates, rows.Length)), gradientLabels: false);
    }

    /// <summary>Every state of the dataset (of the train split used, in row order, and of the held-out split) read into CPU memory.</summary>
    public InMemoryDataset LoadIntoMemory()
    {
        var builder = new ReplayBatchBuilder(_reader, _index, CPU);
        var train = builder.Build(_index.TrainRows);
        try
        {
            return new InMemoryDataset(Summary, train, builder.Build(_index.HeldOutRows));
        }
        catch
        {
            train.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _reader.Dispose();

    private static string ProblemText(DatasetReader reader) => reader.Problems.Count > 0 ? " (" + string.Join("; ", reader.Problems) + ")" : "";
}
