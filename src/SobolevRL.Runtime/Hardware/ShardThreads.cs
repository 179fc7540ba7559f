using System.Runtime.ExceptionServices;
using TorchSharp;

namespace SobolevRL.Hardware;

/// <summary>
/// Runs one piece of work per shard of a batch at once, each on its own thread with a single libtorch intra-op thread:
/// shard 0 on the owning thread (the one that created this object), shards 1.. on persistent background threads.
/// On a small CPU workload this beats libtorch's own intra-op threads (the Nature student's training step on 2 cores,
/// `sobolevrl bench train --shards 1` vs `--shards 2`: 59.6 → 75.6 steps/s), because each op runs whole on one core
/// instead of being split and joined per op.
/// While it exists the owning thread runs libtorch single-threaded (its previous thread count comes back on
/// <see cref="Dispose"/>), so every call must come from that thread. Results are deterministic: the assignment of work
/// to shards is fixed and a single-threaded CPU op does not depend on timing.
/// </summary>
public sealed class ShardThreads : IDisposable
{
    private readonly Thread[] _workers;
    private readonly SemaphoreSlim[] _start;
    private readonly SemaphoreSlim _finished = new(0);
    private readonly Exception?[] _errors;
    private readonly int _owner = Environment.CurrentManagedThreadId;
    private readonly int _previousThreads;
    private Action<int>? _work;
    private volatile bool _stopping;
    private bool _disposed;

    /// <summary>Starts <paramref name="count"/> − 1 background threads; <paramref name="count"/> 1 runs everything inline.</summary>
    public ShardThreads(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Count = count;
        _errors = new Exception?[count];
        _start = new SemaphoreSlim[count];
        _workers = new Thread[count - 1];
        _previousThreads = torch.get_num_threads();
        if (count == 1) return;
        using var ready = new CountdownEvent(count - 1);
        for (int i = 1; i < count; i++)
        {
            int shard = i;
            _start[shard] = new SemaphoreSlim(0);
            _workers[shard - 1] = new Thread(() => WorkerLoop(shard, ready)) { IsBackground = true, Name = $"shard-{shard}" };
            _workers[shard - 1].Start();
        }
        ready.Wait();
        SingleThreaded();
    }

    /// <summary>Number of shards (threads working at once, counting the owning thread).</summary>
    public int Count { get; }

    /// <summary>
    /// The shard count to use on <paramref name="device"/> when the user asks for "auto" (0): libtorch's intra-op
    /// thread count on a CPU, 1 on an accelerator (which parallelises inside each op).
    /// </summary>
    public static int Auto(torch.Device device) => device.type == DeviceType.CPU ? Math.Max(1, torch.get_num_threads()) : 1;

    /// <summary>
    /// Items [start, start + length) of shard <paramref name="shard"/> when <paramref name="items"/> are cut into
    /// <paramref name="count"/> contiguous ranges in order: the first <c>items % count</c> shards get one more.
    /// </summary>
    public static (long Start, long Length) Range(long items, int count, int shard)
    {
        long size = items / count, extra = items % count;
        return (shard * size + Math.Min(shard, extra), size + (shard < extra ? 1 : 0));
    }

    /// <summary>
    /// Calls <paramref name="work"/>(s) for every shard s at once and returns when all are done. When any throws, the
    /// exception of the lowest-numbered failing shard is rethrown after all have finished. Work on other shards runs on
    /// other threads: tensors it creates must leave its dispose scope through captured arrays or similar.
    /// </summary>
    public void Run(Action<int> work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Environment.CurrentManagedThreadId != _owner)
            throw new InvalidOperationException("ShardThreads.Run must be called from the thread that created it");
        if (Count == 1)
        {
            work(0);
            return;
        }
        _work = work;
        Array.Clear(_errors);
        for (int s = 1; s < Count; s++) _start[s].Release();
        try
        {
            work(0);
        }
        catch (Exception e)
        {
            _errors[0] = e;
        }
        for (int s = 1; s < Count; s++) _finished.Wait();
        _work = null;
        foreach (var error in _errors)
            if (error is not null) ExceptionDispatchInfo.Capture(error).Throw();
    }

    private void WorkerLoop(int shard, CountdownEvent ready)
    {
        SingleThreaded();
        ready.Signal();
        while (true)
        {
            _start[shard].Wait();
            if (_stopping) return;
            try
            {
                _work!(shard);
            }
            catch (Exception e)
            {
                _errors[shard] = e;
            }
            _finished.Release();
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the calling thread with one libtorch intra-op thread and gives the thread its own
    /// count back afterwards. For work that runs side by side on pool threads: libtorch keeps a thread count per thread,
    /// and a pool thread that used libtorch before keeps whatever count it had then, so without this the split of an
    /// op's work (and a result's last digits) depends on which pool thread a job lands on. libtorch's one setter also sets
    /// the process-wide count that threads new to libtorch copy, so the caller that ran work on pool threads sets its own
    /// count again when they are done.
    /// </summary>
    public static T OnOneThread<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        int previous = torch.get_num_threads();
        SingleThreaded();
        try
        {
            return work();
        }
        finally
        {
            torch.set_num_threads(previous);
        }
    }

    /// <summary>As <see cref="OnOneThread{T}(Func{T})"/>, for work without a result.</summary>
    public static void OnOneThread(Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        OnOneThread(() =>
        {
            work();
            return true;
        });
    }

    private static void SingleThreaded() => SetForThisThread(1);

    /// <summary>
    /// Sets the calling thread's libtorch intra-op thread count (libtorch keeps one per thread; its setter also sets the
    /// process-wide count that threads new to libtorch copy). For a thread that must compute exactly as another does,
    /// e.g. a background evaluator scoring what its creator would.
    /// </summary>
    public static void SetForThisThread(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        // libtorch sets up a thread's count lazily, at the thread's first get_num_threads (which every parallel op asks
        // first), by copying the process-wide count over the thread's own: ask once so that copy cannot later undo ours.
        // (A tiny op is not enough: below its grain size an op never asks.)
        _ = torch.get_num_threads();
        torch.set_num_threads(count);
    }

    /// <summary>
    /// Stops the background threads and gives the owning thread (when it is the one disposing) back its libtorch thread
    /// count, which is also the count threads that start using libtorch afterwards get.
    /// </summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (Count == 1) return;
        _stopping = true;
        for (int s = 1; s < Count; s++) _start[s].Release();
        foreach (var worker in _workers) worker.Join();
        foreach (var start in _start) start?.Dispose();
        _finished.Dispose();
        if (Environment.CurrentManagedThreadId == _owner) torch.set_num_threads(_previousThreads);
    }
}
