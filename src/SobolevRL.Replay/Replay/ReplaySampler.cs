using System.Collections.Concurrent;
using SobolevRL.Envs.Wrappers;
using static TorchSharp.torch;

namespace SobolevRL.Replay;

/// <summary>
/// Uniform minibatches over the training split (or a fixed fraction of it) of a dataset on disk, read through memory
/// maps and prepared ahead by background workers (worker w builds batches w, w + W, …, each into its own bounded queue;
/// <see cref="Next"/> takes them in order). Batch p's states depend only on (seed, p), so the same seed and start
/// position give the same batches whatever the number of workers. Resident memory stays bounded: the index
/// is a few bytes per state, the queue holds <see cref="ReplaySamplerOptions.Prefetch"/> batches, and mapped pages are
/// dropped from the resident set after every <see cref="ReplaySamplerOptions.ResidentBudgetBytes"/> read.
/// </summary>
public sealed class ReplaySampler : IReplaySampler
{
    private readonly DatasetReader _reader;
    private readonly bool _ownsReader;
    private readonly ReplayBatchBuilder _builder;
    private readonly ReplaySamplerOptions _options;
    private readonly BlockingCollection<ReplayBatch>[] _ready;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread[] _workers;
    private readonly long _start;
    private long _read;
    private Exception? _failure;

    /// <summary>Opens the dataset in <paramref name="directory"/> (the sampler owns that reader) and starts prefetching.</summary>
    public ReplaySampler(string directory, ReplaySamplerOptions options)
        : this(OpenChecked(directory, options), null, options, ownsReader: true)
    {
    }

    /// <summary>
    /// Samples an opened dataset (its reader stays the caller's: the sampler leaves it open when disposed) and starts
    /// prefetching. Several samplers may share one reader.
    /// </summary>
    public ReplaySampler(DatasetReader reader, ReplaySamplerOptions options)
        : this(reader, null, options, ownsReader: false)
    {
    }

    /// <summary>
    /// Samples an opened dataset (<see cref="OnDiskDataset"/>'s reader and row index, shared: the sampler reads the
    /// shards the dataset kept, and leaves the reader open when disposed) and starts prefetching.
    /// </summary>
    internal ReplaySampler(DatasetReader reader, ReplayIndex? index, ReplaySamplerOptions options, bool ownsReader = false)
    {
        _reader = reader;
        _ownsReader = ownsReader;
        _options = options;
        try
        {
            Check(options);
            PosixFiles.KeepLargeAllocationsInHeap();
            Index = index ?? new ReplayIndex(_reader, options.TrainFraction, options.ValidationFraction);
            if (Index.TrainRows.Length == 0) throw new UserErrorException($"{reader.Directory} has no usable training states{(_reader.Problems.Count > 0 ? ": " + string.Join("; ", _reader.Problems) : "")}");
            _builder = new ReplayBatchBuilder(_reader, Index, options.Device ?? CPU);
            Dataset = _reader.Summary();
        }
        catch
        {
            if (ownsReader) _reader.Dispose();
            throw;
        }
        Position = _start = options.StartPosition;
        int workers = options.Workers, depth = Math.Max(1, (options.Prefetch + workers - 1) / workers);
        _ready = [.. Enumerable.Range(0, workers).Select(_ => new BlockingCollection<ReplayBatch>(depth))];
        _workers = [.. Enumerable.Range(0, workers).Select(w => new Thread(() => Work(w)) { IsBackground = true, Name = $"replay-prefetch-{w}" })];
        foreach (var t in _workers) t.Start();
    }

    private static void Check(ReplaySamplerOptions options)
    {
        if (options.BatchSize < 1) throw new UserErrorException($"batch size {options.BatchSize}: must be >= 1");
        if (options.Prefetch < 1) throw new UserErrorException($"prefetch {options.Prefetch}: must be >= 1");
        if (options.Workers < 1) throw new UserErrorException($"workers {options.Workers}: must be >= 1");
    }

    // Bad options are refused before the dataset is opened.
    private static DatasetReader OpenChecked(string directory, ReplaySamplerOptions options)
    {
        Check(options);
        return DatasetReader.Open(directory, options.VerifyChecksums);
    }

    /// <inheritdoc />
    public DatasetSummary Dataset { get; }

    /// <inheritdoc />
    public long TrainStates => Index.TrainRows.Length;

    /// <inheritdoc />
    public long Position { get; private set; }

    /// <summary>The row index (training rows, held-out rows).</summary>
    public ReplayIndex Index { get; }

    /// <summary>Problems found when opening (shards ignored).</summary>
    public IReadOnlyList<string> Problems => _reader.Problems;

    /// <inheritdoc />
    public ReplayBatch Next()
    {
        ReplayBatch batch;
        try
        {
            batch = _ready[(int)((Position - _start) % _ready.Length)].Take(_stop.Token);
        }
        catch (InvalidOperationException) when (_failure != null)
        {
            throw new InvalidOperationException($"replay prefetch failed: {_failure.Message}", _failure);
        }
        Position++;
        return batch;
    }

    /// <summary>The training rows of batch <paramref name="position"/> (what <see cref="Next"/> returns at that position).</summary>
    public int[] RowsOf(long position)
    {
        var random = new Random((int)SeedMixer.ToUInt32(unchecked(_options.Seed * 0x9E3779B1L + position), 0x5341_4D50UL));
        var train = Index.TrainRows;
        var rows = new int[_options.BatchSize];
        for (int i = 0; i < rows.Length; i++) rows[i] = train[random.Next(train.Length)];
        return rows;
    }

    /// <summary>The held-out split in order, in batches of <paramref name="batchSize"/> (the last may be smaller), on the sampler's device.</summary>
    public IEnumerable<ReplayBatch> HeldOut(int batchSize)
    {
        var rows = Index.HeldOutRows;
        for (int start = 0; start < rows.Length; start += batchSize)
            yield return _builder.Build(rows.AsSpan(start, Math.Min(batchSize, rows.Length - start)));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stop.Cancel();
        foreach (var t in _workers) t.Join();
        foreach (var queue in _ready)
        {
            while (queue.TryTake(out var b)) b.Dispose();
            queue.Dispose();
        }
        if (_ownsReader) _reader.Dispose();
        _stop.Dispose();
    }

    private void Work(int worker)
    {
        var queue = _ready[worker];
        try
        {
            for (long p = _start + worker; !_stop.IsCancellationRequested; p += _ready.Length)
            {
                var batch = _builder.Build(RowsOf(p));
                try
                {
                    queue.Add(batch, _stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException || (e is InvalidOperationException && _failure != null))
                {
                    batch.Dispose(); // stopping, or another worker failed and closed the queues
                    return;
                }
                // Mapped pages another worker is reading may be dropped too: they fault back in from the page cache.
                if (Interlocked.Add(ref _read, _builder.BytesPerState * _options.BatchSize) >= _options.ResidentBudgetBytes)
                {
                    Interlocked.Exchange(ref _read, 0);
                    foreach (var s in _reader.Shards) s.ReleaseResidentPages();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
            foreach (var q in _ready) q.CompleteAdding();
        }
    }
}
