using System.Runtime.InteropServices;
using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Vector;

/// <summary>
/// A vector env that steps its sub-envs in parallel on <see cref="Threads"/> threads: the calling thread and
/// persistent background workers. The sub-envs are cut into contiguous chunks, about four per thread, and each
/// thread owns a contiguous run of chunks, so in the usual case a sub-env is stepped by the same thread every time
/// and its state stays in that core's cache. A thread that has finished its own chunks takes the remaining chunks
/// of the others (each run has its own claim counter), so a thread the operating system has not scheduled never
/// holds up the step: on a busy machine the caller simply does more of the work. Hand-offs spin briefly, then sleep
/// (<see cref="SpinThenBlockWaiter"/>); a step allocates nothing. Each sub-env has its own generator and is
/// stepped exactly once per call, so results are identical for any thread count and any claiming order
/// (semantics in <see cref="IVectorEnv"/>).
/// </summary>
public sealed class ThreadedVectorEnv : VectorEnvBase
{
    private readonly int _chunkSize;
    private readonly int _chunks;
    private readonly int[] _firstChunk; // thread t owns chunks [_firstChunk[t], _firstChunk[t + 1])
    private readonly PaddedCounter[] _claimed; // chunks of thread t's run claimed so far, by anyone
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
        _firstChunk = new int[Threads + 1];
        for (int t = 0; t <= Threads; t++) _firstChunk[t] = (int)((long)_chunks * t / Threads);
        _claimed = new PaddedCounter[Threads];
        for (int t = 0; t < Threads; t++) _claimed[t].Value = int.MaxValue / 2; // nothing to claim before the first call
        _workerWaiters = new SpinThenBlockWaiter[Threads - 1];
        _workers = new Thread[Threads - 1];
        for (int w = 0; w < _workers.Length; w++)
        {
            _workerWaiters[w] = new SpinThenBlockWaiter();
            _workers[w] = new Thread(WorkerLoop) { IsBackground = true, Name = $"vector-env worker {w + 1}" };
            _workers[w].Start(w + 1);
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
        for (int t = 0; t < Threads; t++) Interlocked.Exchange(ref _claimed[t].Value, 0);
        Interlocked.Increment(ref _counters.Generation);
        foreach (var waiter in _workerWaiters) waiter.Notify();
        WorkOnChunks(0);
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

    private void WorkOnChunks(int self)
    {
        for (int k = 0; k < Threads; k++)
        {
            int owner = self + k < Threads ? self + k : self + k - Threads; // own run first, then the others'
            int first = _firstChunk[owner], count = _firstChunk[owner + 1] - first;
            while (true)
            {
                int index = Interlocked.Increment(ref _claimed[owner].Value) - 1;
                if (index >= count) break;
                int chunk = first + index, from = chunk * _chunkSize;
                _chunkErrors[chunk] = RunRange(_job, from, Math.Min(NumEnvs, from + _chunkSize));
                if (Interlocked.Increment(ref _counters.DoneChunks) == _chunks) _callerWaiter.Notify();
            }
        }
    }

    private void WorkerLoop(object? state)
    {
        int self = (int)state!;
        var waiter = _workerWaiters[self - 1];
        int seen = 0;
        while (true)
        {
            // A worker that wakes late may find a later call's chunks open; working on them is as good as any thread.
            waiter.WaitUntilDifferent(ref _counters.Generation, seen);
            seen = Volatile.Read(ref _counters.Generation);
            if (_stopping) return;
            WorkOnChunks(self);
        }
    }

    /// <summary>The counters every thread touches, each on its own cache line.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private struct SharedCounters
    {
        [FieldOffset(64)] public int Generation;
        [FieldOffset(128)] public int DoneChunks;
    }

    /// <summary>A counter alone on its cache line (array elements 128 bytes apart).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct PaddedCounter
    {
        [FieldOffset(64)] public int Value;
    }
}
