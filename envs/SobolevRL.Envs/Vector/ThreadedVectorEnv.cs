using System.Diagnostics;
using System.Runtime.InteropServices;
using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Vector;

/// <summary>
/// A vector env that steps its sub-envs in parallel on <see cref="Threads"/> threads: the calling thread and
/// persistent background workers. The sub-envs are cut into contiguous chunks, about eight per thread, and each
/// thread owns a contiguous run of chunks, so a sub-env is stepped by the same thread every time and its state stays
/// in that core's cache. Workers step only their own run. The calling thread, once its own run is done, takes the
/// remaining chunks of a worker's run that has not been opened (the worker has not woken yet) or that made no claim
/// for a while (the worker was descheduled), so a thread the operating system has not scheduled never holds up the
/// step: on a busy machine the caller simply does more of the work. Hand-offs spin briefly, then sleep
/// (<see cref="SpinThenBlockWaiter"/>); a step allocates nothing. Each sub-env has its own generator and is stepped
/// exactly once per call, so results are identical for any thread count and any claiming order (semantics in
/// <see cref="IVectorEnv"/>).
/// </summary>
/// <remarks>
/// A MinAtar step costs 40–200 ns, so a whole batch of 256 sub-envs is only 10–50 µs of work and every cache line
/// that crosses between cores on the way (100–400 ns for a round trip in the VM this was measured on) counts. The
/// protocol is built to move as few as possible per call: the call's number and its <see cref="VectorBatch"/> share
/// one line (one transfer hands a worker everything); each run has its own claim word, claimed by compare-and-swap
/// with the call's number in its high half, so nobody resets claim words between calls; a worker claims its chunks
/// from a line the caller does not read at all unless the worker is a whole stall period late (polling it, as an
/// earlier version did, made every claim of a lagging worker a cross-core round trip); workers report
/// finished chunks once per call, not per chunk; nothing in the object's own fields is written during a step. These
/// lines live in one block of native memory aligned to 128 bytes, a slot each, so no two of them ever share a cache
/// line (or an adjacent-line prefetch pair). Lines of the caller's own arrays where two threads' ranges meet are the
/// caller's to separate (<see cref="VectorBuffers"/>).
/// </remarks>
public sealed unsafe class ThreadedVectorEnv : VectorEnvBase
{
    private const int ChunksPerThread = 8;
    private const int SlotBytes = 128;
    private const int HeaderSlot = 0; // BatchLine: written by the caller, read by workers
    private const int DoneSlot = 1;   // chunks finished by workers, cumulative: added to by workers, read by the caller
    private const int CallerSlot = 2; // the caller's own running total of what DoneSlot should reach
    private const int FirstRunSlot = 3; // one claim word per thread's run, then one statistics line per thread

    // A worker's run that made no claim for this long counts as stalled: four of the caller's chunk times, at least
    // MinStallTicks (so the usual lag of a worker on a cheap game, 1–3 µs, is not mistaken for a stall and the caller
    // does not read the worker's claim word at all), at most MaxStallTicks (a caller descheduled during its own run
    // inflates its chunk time).
    private static readonly long MinStallTicks = Stopwatch.Frequency / 500_000; // 2 µs
    private static readonly long MaxStallTicks = Stopwatch.Frequency / 20; // 50 ms

    private readonly int _chunkSize;
    private readonly int _chunks;
    private readonly int[] _firstChunk; // thread t owns chunks [_firstChunk[t], _firstChunk[t + 1])
    private readonly Exception?[] _chunkErrors; // written only when a chunk fails
    private readonly byte* _slots;
    private readonly SpinThenBlockWaiter[] _workerWaiters;
    private readonly SpinThenBlockWaiter _callerWaiter = new();
    private readonly Thread[] _workers;
    private volatile bool _stopping;
    private bool _disposed;

    /// <summary>Takes ownership of <paramref name="envs"/> and starts <paramref name="threads"/> − 1 workers (threads are capped at the number of envs).</summary>
    public ThreadedVectorEnv(IReadOnlyList<IEnv> envs, int threads) : base(envs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Threads = Math.Min(threads, NumEnvs);
        // Several chunks per thread let a thread that finished early help a slow one; claiming one costs a
        // compare-and-swap on a line the claimer usually owns already.
        _chunkSize = Math.Max(1, NumEnvs / (ChunksPerThread * Threads));
        _chunks = (NumEnvs + _chunkSize - 1) / _chunkSize;
        _chunkErrors = new Exception?[_chunks];
        _firstChunk = new int[Threads + 1];
        for (int t = 0; t <= Threads; t++) _firstChunk[t] = (int)((long)_chunks * t / Threads);
        // Claim words start at call number 0, index 0; the first call is number 1, so every run starts unopened.
        nuint bytes = (nuint)(SlotBytes * (FirstRunSlot + 2 * Threads));
        _slots = (byte*)NativeMemory.AlignedAlloc(bytes, SlotBytes);
        NativeMemory.Clear(_slots, bytes);
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

    /// <summary>Sub-envs [first, first + count) of each thread's own run, in thread order (the calling thread is 0).</summary>
    internal IReadOnlyList<(int First, int Count)> OwnRanges =>
        [.. Enumerable.Range(0, Threads).Select(t =>
        {
            int first = Math.Min(NumEnvs, _firstChunk[t] * _chunkSize);
            return (first, Math.Min(NumEnvs, _firstChunk[t + 1] * _chunkSize) - first);
        })];

    private BatchLine* Header => (BatchLine*)(_slots + HeaderSlot * SlotBytes);

    private int* WorkerDone => (int*)(_slots + DoneSlot * SlotBytes);

    private int* ExpectedWorkerDone => (int*)(_slots + CallerSlot * SlotBytes);

    private long* RunWord(int thread) => (long*)(_slots + (FirstRunSlot + thread) * SlotBytes);

    // Written only by its own thread (see ThreadStatistics).
    private ThreadTotals* Totals(int thread) => (ThreadTotals*)(_slots + (FirstRunSlot + Threads + thread) * SlotBytes);

    /// <summary>
    /// Where each thread's time went since this vector env was made, thread 0 being the calling thread: a benchmark
    /// takes two snapshots and divides the difference by the calls in between (<see cref="VectorThreadStatistics"/>).
    /// Read it between calls; the totals cost two clock reads per thread per call.
    /// </summary>
    public IReadOnlyList<VectorThreadStatistics> ThreadStatistics =>
        [.. Enumerable.Range(0, Threads).Select(t =>
        {
            var totals = *Totals(t);
            static TimeSpan Time(long ticks) => TimeSpan.FromSeconds((double)ticks / Stopwatch.Frequency);
            return new VectorThreadStatistics(t, totals.Calls, Time(totals.OwnRunTicks), Time(totals.WorkTicks), Time(totals.WaitTicks), totals.TakenChunks);
        })];

    private protected override Exception? Execute(in VectorBatch batch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var header = Header;
        header->Batch = batch;
        int call = unchecked(header->Generation + 1);
        Interlocked.Exchange(ref header->Generation, call); // a full fence: the batch above is visible with the number
        foreach (var waiter in _workerWaiters) waiter.Notify();
        var totals = Totals(0);
        long start = Stopwatch.GetTimestamp();
        int mine = ClaimAll(0, call, in batch);
        long ownEnd = Stopwatch.GetTimestamp();
        totals->OwnRunTicks += ownEnd - start;
        if (Threads > 1)
        {
            long stallTicks = Math.Clamp(4 * (ownEnd - start) / Math.Max(1, mine), MinStallTicks, MaxStallTicks);
            long takenTicks = CollectWorkers(call, in batch, mine, stallTicks);
            totals->WaitTicks += Stopwatch.GetTimestamp() - ownEnd - takenTicks;
            totals->WorkTicks += ownEnd - start + takenTicks;
        }
        else totals->WorkTicks += ownEnd - start;
        totals->Calls++;
        Exception? first = null;
        for (int c = 0; c < _chunks; c++)
        {
            if (_chunkErrors[c] is not { } error) continue;
            first ??= error;
            _chunkErrors[c] = null;
        }
        return first;
    }

    /// <summary>
    /// Waits for the workers to report their chunks of call <paramref name="call"/> done. Every <paramref name="stallTicks"/>
    /// without that, the calling thread takes the rest of any worker's run that is not opened yet or made no claim
    /// since the previous look. Returns the time spent stepping taken chunks.
    /// </summary>
    private long CollectWorkers(int call, in VectorBatch batch, int mine, long stallTicks)
    {
        int expected = unchecked(*ExpectedWorkerDone + _chunks - mine);
        long takenTicks = 0;
        // Claim words are not read while the workers keep up: a read makes the owner's next claim a cross-core round
        // trip. The first look comes after one stall period without the workers being done.
        Span<long> seen = stackalloc long[Threads];
        seen.Fill(-1); // no claim word has this value
        while (!_callerWaiter.WaitUntilEqual(ref *WorkerDone, expected, Stopwatch.GetTimestamp() + stallTicks))
        {
            // Take the rest of every run not opened yet, or whose claim word has not moved since the last look.
            for (int w = 1; w < Threads; w++)
            {
                long now = Volatile.Read(ref *RunWord(w));
                if ((int)(now >> 32) != call || now == seen[w]) TakeRest(w, call, in batch, ref expected, ref takenTicks);
                seen[w] = now;
            }
        }
        *ExpectedWorkerDone = expected;
        return takenTicks;
    }

    /// <summary>Stops the workers, then disposes the sub-envs. Without it the (sleeping) worker threads live until the process ends.</summary>
    public override void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stopping = true;
        Interlocked.Increment(ref Header->Generation);
        foreach (var waiter in _workerWaiters) waiter.Notify();
        foreach (var worker in _workers) worker.Join();
        foreach (var waiter in _workerWaiters) waiter.Dispose();
        _callerWaiter.Dispose();
        NativeMemory.AlignedFree(_slots);
        base.Dispose();
    }

    /// <summary>The calling thread steps what is left of <paramref name="owner"/>'s run, lowering the workers' <paramref name="expected"/> count by as much.</summary>
    private void TakeRest(int owner, int call, in VectorBatch batch, ref int expected, ref long takenTicks)
    {
        long start = Stopwatch.GetTimestamp();
        int taken = ClaimAll(owner, call, in batch);
        if (taken == 0) return;
        expected = unchecked(expected - taken);
        Totals(0)->TakenChunks += taken;
        takenTicks += Stopwatch.GetTimestamp() - start;
    }

    /// <summary>Steps every chunk of <paramref name="owner"/>'s run that this thread can claim in call <paramref name="call"/>; returns how many.</summary>
    private int ClaimAll(int owner, int call, in VectorBatch batch)
    {
        int done = 0;
        while (TryClaim(owner, call, out int index))
        {
            int chunk = _firstChunk[owner] + index, from = chunk * _chunkSize;
            var error = RunRange(in batch, from, Math.Min(NumEnvs, from + _chunkSize));
            if (error is not null) _chunkErrors[chunk] = error;
            done++;
        }
        return done;
    }

    /// <summary>
    /// Claims the next chunk of <paramref name="owner"/>'s run for call <paramref name="call"/>. The claim word holds the
    /// call number (high 32 bits) and the next index (low 32); a word still at an older call is a run not opened yet
    /// (index 0). A word at a newer call means this thread woke late and the call it knows is over: it claims nothing.
    /// </summary>
    private bool TryClaim(int owner, int call, out int index)
    {
        long* word = RunWord(owner);
        int count = _firstChunk[owner + 1] - _firstChunk[owner];
        while (true)
        {
            long seen = Volatile.Read(ref *word);
            int age = unchecked(call - (int)(seen >> 32)); // wrap-safe comparison of call numbers
            if (age < 0) break;
            int next = age > 0 ? 0 : (int)seen;
            if (next >= count) break;
            long claimed = ((long)call << 32) | (uint)(next + 1);
            if (Interlocked.CompareExchange(ref *word, claimed, seen) == seen)
            {
                index = next;
                return true;
            }
        }
        index = -1;
        return false;
    }

    private void WorkerLoop(object? state)
    {
        int self = (int)state!;
        var waiter = _workerWaiters[self - 1];
        int seen = 0;
        while (true)
        {
            waiter.WaitUntilDifferent(ref Header->Generation, seen);
            if (_stopping) return;
            // A worker that wakes late may read a later call's number and batch; claims keep it from acting on a
            // call that is over (and the batch of a call still open cannot change under it).
            seen = Volatile.Read(ref Header->Generation);
            VectorBatch batch = Header->Batch;
            var totals = Totals(self);
            long start = Stopwatch.GetTimestamp();
            int done = ClaimAll(self, seen, in batch);
            long ticks = Stopwatch.GetTimestamp() - start;
            if (done == 0) continue; // woke after the call was over (or the caller took the whole run)
            totals->OwnRunTicks += ticks;
            totals->WorkTicks += ticks;
            totals->Calls++;
            Interlocked.Add(ref *WorkerDone, done);
            _callerWaiter.Notify();
        }
    }

    /// <summary>One thread's running totals (<see cref="ThreadStatistics"/>), in a line only that thread writes.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct ThreadTotals
    {
        public long Calls;
        public long OwnRunTicks;
        public long WorkTicks;
        public long WaitTicks;
        public long TakenChunks;
    }

    /// <summary>The call number and its batch, one 64-byte line.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct BatchLine
    {
        public int Generation;
        public VectorBatch Batch;
    }
}
