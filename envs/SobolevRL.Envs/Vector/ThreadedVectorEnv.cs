using System.Diagnostics;
using System.Runtime.InteropServices;
using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Vector;

/// <summary>
/// A vector env that steps its sub-envs in parallel on <see cref="Threads"/> threads: the calling thread and
/// persistent background workers. The sub-envs are cut into contiguous chunks, about eight per thread, and each
/// thread owns a contiguous run of chunks, so in the usual case a sub-env is stepped by the same thread every time
/// and its state stays in that core's cache. A thread that has finished its own chunks takes the remaining chunks
/// of the others (at once from a thread that has not started or stopped claiming, after a short grace period from
/// one that is still claiming), so a thread the operating system has not scheduled never holds up the step: on a
/// busy machine the caller simply does more of the work. Hand-offs spin briefly, then sleep (<see cref="SpinThenBlockWaiter"/>); a
/// step allocates nothing. Each sub-env has its own generator and is stepped exactly once per call, so results are
/// identical for any thread count and any claiming order (semantics in <see cref="IVectorEnv"/>).
/// </summary>
/// <remarks>
/// A MinAtar step costs 50–200 ns, so a whole batch of 256 sub-envs is only 10–50 µs of work and every cache line
/// that crosses between cores on the way (a few hundred ns each in a VM) counts. The protocol is built to move as
/// few as possible per call: the call's number and its <see cref="VectorBatch"/> share one line (one transfer hands
/// a worker everything); each run has its own claim word, claimed by compare-and-swap with the call's number in its
/// high half, so nobody resets claim words between calls and the owner claims its own chunks from a line no other
/// core touches until it steals; workers report finished chunks once per run, not per chunk; nothing in the
/// object's own fields is written during a step. These lines live in one block of native memory aligned to 128
/// bytes, a slot each, so no two of them ever share a cache line (or an adjacent-line prefetch pair).
/// </remarks>
public sealed unsafe class ThreadedVectorEnv : VectorEnvBase
{
    private const int ChunksPerThread = 8;
    private const int SlotBytes = 128;
    private const int HeaderSlot = 0; // BatchLine: written by the caller, read by workers
    private const int DoneSlot = 1;   // chunks finished by workers, cumulative: added to by workers, read by the caller
    private const int CallerSlot = 2; // the caller's own running total of what DoneSlot should reach
    private const int FirstRunSlot = 3; // one claim word per thread's run, then one statistics line per thread

    // Caps the grace period, so a thread that was itself descheduled during its own run (which inflates its
    // measured chunk time) still takes a stalled owner's chunks soon.
    private static readonly long MaxGraceTicks = Stopwatch.Frequency / 100_000; // 10 µs

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
        int mine = WorkOnRuns(0, call, in batch, out long workEnd);
        int expected = unchecked(*ExpectedWorkerDone + _chunks - mine);
        *ExpectedWorkerDone = expected;
        _callerWaiter.WaitUntilEqual(ref *WorkerDone, expected);
        Totals(0)->WaitTicks += Stopwatch.GetTimestamp() - workEnd;
        Exception? first = null;
        for (int c = 0; c < _chunks; c++)
        {
            if (_chunkErrors[c] is not { } error) continue;
            first ??= error;
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
        Interlocked.Increment(ref Header->Generation);
        foreach (var waiter in _workerWaiters) waiter.Notify();
        foreach (var worker in _workers) worker.Join();
        foreach (var waiter in _workerWaiters) waiter.Dispose();
        _callerWaiter.Dispose();
        NativeMemory.AlignedFree(_slots);
        base.Dispose();
    }

    /// <summary>Steps the chunks this thread can claim in call <paramref name="call"/>: its own run first, then the others'. Returns how many.</summary>
    private int WorkOnRuns(int self, int call, in VectorBatch batch, out long end)
    {
        var totals = Totals(self);
        long start = Stopwatch.GetTimestamp();
        long graceTicks = 0;
        int total = 0;
        for (int k = 0; k < Threads; k++)
        {
            int owner = self + k < Threads ? self + k : self + k - Threads;
            // Own run done: an owner that is working gets two of this thread's chunk times per chunk before its
            // chunks are taken, so the usual small lag of a worker does not move sub-envs (and their cache lines)
            // to another core every call; an owner that has not started, or has stopped claiming, loses them at once.
            if (k == 1)
            {
                long ownRun = Stopwatch.GetTimestamp() - start;
                totals->OwnRunTicks += ownRun;
                if (total > 0) graceTicks = Math.Min(MaxGraceTicks, 2 * ownRun / total);
            }
            long ourLastClaim = 0;
            int done = 0;
            while (k == 0 ? TryClaim(owner, call, out int index, out _) : TryTake(owner, call, graceTicks, ref ourLastClaim, out index))
            {
                int chunk = _firstChunk[owner] + index, from = chunk * _chunkSize;
                var error = RunRange(in batch, from, Math.Min(NumEnvs, from + _chunkSize));
                if (error is not null) _chunkErrors[chunk] = error;
                done++;
            }
            if (k > 0) totals->TakenChunks += done;
            if (done > 0 && self != 0)
            {
                Interlocked.Add(ref *WorkerDone, done);
                _callerWaiter.Notify();
            }
            total += done;
        }
        end = Stopwatch.GetTimestamp();
        if (Threads == 1) totals->OwnRunTicks += end - start;
        totals->WorkTicks += end - start;
        totals->Calls++;
        return total;
    }

    /// <summary>
    /// Takes a chunk of another thread's run, after a grace period while its owner keeps claiming (the claim word
    /// changes): see <see cref="WorkOnRuns"/>. No grace for a run not opened in this call yet, or whose latest
    /// claim is this thread's own previous take (the owner is not claiming).
    /// </summary>
    private bool TryTake(int owner, int call, long graceTicks, ref long ourLastClaim, out int index)
    {
        long* word = RunWord(owner);
        long watched = Volatile.Read(ref *word);
        int count = _firstChunk[owner + 1] - _firstChunk[owner];
        long deadline = Stopwatch.GetTimestamp() + graceTicks;
        for (int polls = 1; graceTicks > 0 && watched != ourLastClaim; polls++)
        {
            if ((int)(watched >> 32) != call || (int)watched >= count) break; // unopened, over or exhausted: no wait
            SpinThenBlockWaiter.Pause();
            long now = Volatile.Read(ref *word);
            if (now != watched)
            {
                watched = now;
                deadline = Stopwatch.GetTimestamp() + graceTicks;
            }
            else if ((polls & 15) == 0 && Stopwatch.GetTimestamp() >= deadline) break;
        }
        return TryClaim(owner, call, out index, out ourLastClaim);
    }

    /// <summary>
    /// Claims the next chunk of <paramref name="owner"/>'s run for call <paramref name="call"/>. The claim word holds the
    /// call number (high 32 bits) and the next index (low 32); a word still at an older call is a run not opened yet
    /// (index 0). A word at a newer call means this thread woke late and the call it knows is over: it claims nothing.
    /// </summary>
    private bool TryClaim(int owner, int call, out int index, out long written)
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
                written = claimed;
                return true;
            }
        }
        index = -1;
        written = 0;
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
            WorkOnRuns(self, seen, in batch, out _);
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
