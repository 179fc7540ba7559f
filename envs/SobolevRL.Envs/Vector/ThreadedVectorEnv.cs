using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Vector;

/// <summary>
/// A vector env that splits its sub-envs into <see cref="Threads"/> contiguous ranges and steps them in parallel:
/// the calling thread runs the first range, persistent background worker threads the others. A call bumps a
/// generation counter that the workers wait for, and waits for a pending-worker count to reach zero, each wait
/// spinning briefly then sleeping (<see cref="SpinThenBlockWaiter"/>), so a step allocates nothing and back-to-back
/// steps hand over work without a context switch. Every sub-env has its own generator and is always stepped by the
/// same code in the same order, so results are identical for any thread count (semantics in <see cref="IVectorEnv"/>).
/// </summary>
public sealed class ThreadedVectorEnv : VectorEnvBase
{
    private readonly (int From, int To)[] _ranges;
    private readonly Exception?[] _errors;
    private readonly SpinThenBlockWaiter[] _workerWaiters;
    private readonly SpinThenBlockWaiter _callerWaiter = new();
    private readonly Thread[] _workers;
    private int _generation;
    private int _pending;
    private VectorJob _job;
    private volatile bool _stopping;
    private bool _disposed;

    /// <summary>Takes ownership of <paramref name="envs"/> and starts <paramref name="threads"/> − 1 workers (threads are capped at the number of envs).</summary>
    public ThreadedVectorEnv(IReadOnlyList<IEnv> envs, int threads) : base(envs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Threads = Math.Min(threads, NumEnvs);
        _ranges = Split(NumEnvs, Threads);
        _errors = new Exception?[Threads];
        _workerWaiters = new SpinThenBlockWaiter[Threads];
        _workers = new Thread[Threads - 1];
        for (int w = 1; w < Threads; w++)
        {
            _workerWaiters[w] = new SpinThenBlockWaiter();
            _workers[w - 1] = new Thread(WorkerLoop) { IsBackground = true, Name = $"vector-env worker {w}" };
            _workers[w - 1].Start(w);
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
        Volatile.Write(ref _pending, Threads - 1);
        Interlocked.Increment(ref _generation);
        for (int w = 1; w < Threads; w++) _workerWaiters[w].Notify();
        _errors[0] = RunRange(job, _ranges[0].From, _ranges[0].To);
        _callerWaiter.WaitUntil(ref _pending, 0);
        Exception? first = null;
        for (int w = 0; w < Threads; w++)
        {
            first ??= _errors[w];
            _errors[w] = null;
        }
        return first;
    }

    /// <summary>Stops the workers, then disposes the sub-envs.</summary>
    public override void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stopping = true;
        Interlocked.Increment(ref _generation);
        for (int w = 1; w < Threads; w++) _workerWaiters[w].Notify();
        foreach (var worker in _workers) worker.Join();
        for (int w = 1; w < Threads; w++) _workerWaiters[w].Dispose();
        _callerWaiter.Dispose();
        base.Dispose();
    }

    private void WorkerLoop(object? state)
    {
        int w = (int)state!;
        int seen = 0;
        while (true)
        {
            // Each call bumps the generation exactly once and waits for every worker, so the next one is seen + 1.
            seen = unchecked(seen + 1);
            _workerWaiters[w].WaitUntil(ref _generation, seen);
            if (_stopping) return;
            _errors[w] = RunRange(_job, _ranges[w].From, _ranges[w].To);
            if (Interlocked.Decrement(ref _pending) == 0) _callerWaiter.Notify();
        }
    }

    private static (int From, int To)[] Split(int count, int parts)
    {
        var ranges = new (int, int)[parts];
        for (int p = 0, from = 0; p < parts; p++)
        {
            int size = count / parts + (p < count % parts ? 1 : 0);
            ranges[p] = (from, from + size);
            from += size;
        }
        return ranges;
    }
}
