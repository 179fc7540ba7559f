using System.Runtime.InteropServices;
using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Vector;

/// <summary>
/// A vector env that steps its sub-envs in parallel on <see cref="Threads"/> threads: the calling thread and
/// persistent background workers. A call cuts the sub-envs into contiguous chunks that the threads claim one at a
/// time from a shared counter, so a thread the operating system has not scheduled never holds up the others (on a
/// busy machine the caller simply does more of the work). Hand-offs spin briefly, then sleep
/// (<see cref="SpinThenBlockWaiter"/>); a step allocates nothing. Each sub-env has its own generator and is
/// stepped exactly once per call, so results are identical for any thread count and any claiming order
/// (semantics in <see cref="IVectorEnv"/>).
/// </summary>
public sealed class ThreadedVectorEnv : VectorEnvBase
{
    private readonly int _chunkSize;
    private readonly int _chunks;
    private readonly Exception?[] _chunkErrors;
    private readonly SpinThenBlockWaiter[] _workerWaiters;
    private readonly SpinThenBlockWaiter _callerWaiter = new();
    private readonly Thread[] _workers;
    private SharedCounters _counters;
    private VectorJob _job;
    private volatile bool _stopping;
    private bool _disposed;

    /// <summary>Takes ownership of <paramref name="envs"/> and starts <paramref name="threads"/> − 1 workers (threads are capped at the number of envs).</summary>
    public ThreadedVectorEnv(IReadOnlyList<IEnv> envs, int threads) : base(envs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Threads = Math.Min(threads, NumEnvs);
        // About four chunks per thread balances uneven step costs without paying an atomic per sub-env.
        _chunkSize = Math.Max(1, NumEnvs / (4 * Threads));
        _chunks = (NumEnvs + _chunkSize - 1) / _chunkSize;
        _chunkErrors = new Exception?[_chunks];
        _counters.NextChunk = _chunks; // nothing to claim before the first call
        _workerWaiters = new SpinThenBlockWaiter[Threads - 1];
        _workers = new Thread[Threads - 1];
        for (int w = 0; w < _workers.Length; w++)
        {
            _workerWaiters[w] = new SpinThenBlockWaiter();
            _workers[w] = new Thread(WorkerLoop) { IsBackground = true, Name = $"vector-env worker {w + 1}" };
            _workers[w].Start(w);
        }
    }

    /// <summary>Makes <paramref name="numEnvs"/> sub-envs with <paramref name="makeEnv"/>(index) and runs them on <paramref name="threads"/> threads.</summary>
    public ThreadedVectorEnv(Func<int, IEnv> makeEnv, int numEnvs, int threads) : this(VectorEnvFactory.MakeAll(makeEnv, numEnvs), threads) { }

    /// <summary>Threads stepping sub-envs, the calling thread included.</summary>
    public int Threads { get; }

    /// <inheritdoc />
    protected override Exception? Execute(VectorJob job)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _job = job;
        Volatile.Write(ref _counters.DoneChunks, 0);
        // Opening the chunks publishes the job (and the batch pointers set before this call) to whoever claims one.
        Interlocked.Exchange(ref _counters.NextChunk, 0);
        Interlocked.Increment(ref _counters.Generation);
        foreach (var waiter in _workerWaiters) waiter.Notify();
        WorkOnChunks();
        _callerWaiter.WaitUntilEqual(ref _counters.DoneChunks, _chunks);
        Exception? first = null;
        for (int c = 0; c < _chunks; c++)
        {
            first ??= _chunkErrors[c];
            _chunkErrors[c] = null;
        }
        return first;
    }

    /// <summary>Stops the workers, then disposes the sub-envs. Without it the (sleeping) worker threads live until the process ends.</summary>
    public override void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stopping = true;
        Interlocked.Increment(ref _counters.Generation);
        foreach (var waiter in _workerWaiters) waiter.Notify();
        foreach (var worker in _workers) worker.Join();
        foreach (var waiter in _workerWaiters) waiter.Dispose();
        _callerWaiter.Dispose();
        base.Dispose();
    }

    private void WorkOnChunks()
    {
        while (true)
        {
            int chunk = Interlocked.Increment(ref _counters.NextChunk) - 1;
            if (chunk >= _chunks) return;
            int from = chunk * _chunkSize;
            _chunkErrors[chunk] = RunRange(_job, from, Math.Min(NumEnvs, from + _chunkSize));
            if (Interlocked.Increment(ref _counters.DoneChunks) == _chunks) _callerWaiter.Notify();
        }
    }

    private void WorkerLoop(object? state)
    {
        var waiter = _workerWaiters[(int)state!];
        int seen = 0;
        while (true)
        {
            // A worker that wakes late may find a later call's chunks open; working on them is as good as any thread.
            waiter.WaitUntilDifferent(ref _counters.Generation, seen);
            seen = Volatile.Read(ref _counters.Generation);
            if (_stopping) return;
            WorkOnChunks();
        }
    }

    /// <summary>The counters every thread touches, each on its own cache line.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct SharedCounters
    {
        [FieldOffset(64)] public int Generation;
        [FieldOffset(128)] public int NextChunk;
        [FieldOffset(192)] public int DoneChunks;
    }
}
