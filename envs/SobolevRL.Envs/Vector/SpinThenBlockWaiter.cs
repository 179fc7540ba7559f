using System.Diagnostics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace SobolevRL.Envs.Vector;

/// <summary>
/// Lets one thread wait until an int another thread writes reaches (or leaves) a value: it polls, with a pause instruction between reads, for
/// up to <see cref="SpinMicroseconds"/>, which hands work over in well under a microsecond while steps come back to
/// back, then sleeps on a semaphore so an idle vector env costs no CPU. No allocation. The setter writes the value
/// (with an <see cref="Interlocked"/> operation) and then calls <see cref="Notify"/>; a "sleeping" flag exchanged by
/// both sides (full fences) guarantees a wake-up is never lost. A wake-up for a value that is not yet the awaited one
/// only makes the waiter look again.
/// </summary>
internal sealed class SpinThenBlockWaiter : IDisposable
{
    /// <summary>How long a waiter spins before it sleeps.</summary>
    public const int SpinMicroseconds = 50;

    private static readonly long SpinTicks = Stopwatch.Frequency * SpinMicroseconds / 1_000_000;
    private readonly SemaphoreSlim _wake = new(0);
    private int _sleeping;

    /// <summary>Returns once <c>Volatile.Read(ref location) == value</c>.</summary>
    public void WaitUntilEqual(ref int location, int value) => Wait(ref location, value, equal: true, long.MaxValue);

    /// <summary>
    /// Returns true once <c>Volatile.Read(ref location) == value</c>, or false once the <see cref="Stopwatch"/> timestamp
    /// <paramref name="deadline"/> has passed (checked every few polls, and by a timed sleep: a sleep lasts at least 1 ms).
    /// </summary>
    public bool WaitUntilEqual(ref int location, int value, long deadline) => Wait(ref location, value, equal: true, deadline);

    /// <summary>Returns once <c>Volatile.Read(ref location) != value</c>.</summary>
    public void WaitUntilDifferent(ref int location, int value) => Wait(ref location, value, equal: false, long.MaxValue);

    private bool Wait(ref int location, int value, bool equal, long deadline)
    {
        while (true)
        {
            if ((Volatile.Read(ref location) == value) == equal) return true;
            long now = Stopwatch.GetTimestamp();
            if (now >= deadline) return false;
            long spinUntil = Math.Min(deadline, now + SpinTicks);
            // One pause instruction between reads, so the value is seen within a cache-line transfer of being written.
            // (SpinWait.SpinOnce backs off exponentially and yields to the OS: measured on the 2-core VM this was
            // written on, a ping-pong through it took 0.5–8.5 µs per round trip against 0.35–0.4 µs polling like
            // this, and a whole 256-env MinAtar batch is 10–20 µs.) The clock (80 ns in that VM) is read every 16 pauses.
            for (int spins = 1; ; spins++)
            {
                Pause();
                if ((Volatile.Read(ref location) == value) == equal) return true;
                if ((spins & 15) == 0 && Stopwatch.GetTimestamp() >= spinUntil) break;
            }
            if (spinUntil == deadline) continue; // the deadline came first: the check above returns false
            Interlocked.Exchange(ref _sleeping, 1);
            // If the value arrived meanwhile, take the flag back; losing that race means Notify saw the flag and released.
            if ((Volatile.Read(ref location) == value) == equal && Interlocked.Exchange(ref _sleeping, 0) == 1) return true;
            if (deadline == long.MaxValue) _wake.Wait();
            else if (!_wake.Wait(SleepMilliseconds(deadline)))
            {
                // Timed out: take the flag back. Losing that race means a Notify has released (or is about to release)
                // the semaphore; that wake-up is left for the next wait, which then only looks again.
                Interlocked.Exchange(ref _sleeping, 0);
            }
            // Woken by a write that may not be the awaited value yet (a counter still on its way up): look again.
        }
    }

    private static int SleepMilliseconds(long deadline)
    {
        long ticks = deadline - Stopwatch.GetTimestamp();
        return ticks <= 0 ? 0 : (int)Math.Min(int.MaxValue, Math.Max(1, ticks * 1000 / Stopwatch.Frequency));
    }

    /// <summary>One spin-loop hint to the processor (x86 <c>pause</c>, Arm <c>yield</c>).</summary>
    public static void Pause()
    {
        if (X86Base.IsSupported) X86Base.Pause();
        else if (ArmBase.IsSupported) ArmBase.Yield();
        else Thread.SpinWait(1);
    }

    /// <summary>
    /// Wakes the waiter if it sleeps. Call it after writing the value with an <see cref="Interlocked"/> operation: that
    /// full fence keeps the read of the flag here after the write, as the waiter's own exchange keeps its re-read after
    /// setting the flag, so either the waiter sees the value or this sees the flag. Reading the flag before exchanging
    /// it leaves its cache line alone when nobody sleeps, the usual case.
    /// </summary>
    public void Notify()
    {
        if (Volatile.Read(ref _sleeping) == 1 && Interlocked.Exchange(ref _sleeping, 0) == 1) _wake.Release();
    }

    /// <inheritdoc />
    public void Dispose() => _wake.Dispose();
}
