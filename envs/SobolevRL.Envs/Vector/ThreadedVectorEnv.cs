using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Vector;

/// <summary>
/// A vector env that splits its sub-envs into <see cref="Threads"/> contiguous ranges and steps them in parallel:
/// the calling thread runs the first range, persistent background worker threads the others. Each worker waits on
/// its own semaphore for work and signals one shared semaphore when done, so a step allocates nothing. Every sub-env
/// has its own generator and is always stepped by the same code in the same order, so results are identical for any
/// thread count (semantics in <see cref="IVectorEnv"/>).
/// </summary>
public sealed class ThreadedVectorEnv : VectorEnvBase
{
    private readonly (int From, int To)[] _ranges;
    private readonly Exception?[] _errors;
    private readonly SemaphoreSlim[] _start;
    private readonly SemaphoreSlim _finished = new(0);
    private readonly Thread[] _workers;
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
        _start = new SemaphoreSlim[Threads];
        _workers = new Thread[Threads - 1];
        for (int w = 1; w < Threads; w++)
        {
            _start[w] = new SemaphoreSlim(0);
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
        for (int w = 1; w < Threads; w++) _start[w].Release();
        _errors[0] = RunRange(job, _ranges[0].From, _ranges[0].To);
        for (int w = 1; w < Threads; w++) _finished.Wait();
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
        for (int w = 1; w < Threads; w++) _start[w].Release();
        foreach (var worker in _workers) worker.Join();
        for (int w = 1; w < Threads; w++) _start[w].Dispose();
        _finished.Dispose();
        base.Dispose();
    }

    private void WorkerLoop(object? state)
    {
        int w = (int)state!;
        while (true)
        {
            _start[w].Wait();
            if (_stopping) return;
            _errors[w] = RunRange(_job, _ranges[w].From, _ranges[w].To);
            _finished.Release();
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
