using System.Diagnostics;

namespace SobolevRL.Envs.Vector;

/// <summary>
/// Lets one thread wait until an int another thread writes reaches (or leaves) a value: it spins (yielding the core politely) for
/// up to <see cref="SpinMicroseconds"/>, which hands work over in well under a microsecond while steps come back to
/// back, then sleeps on a semaphore so an idle vector env costs no CPU. No allocation. The setter writes the value
/// and then calls <see cref="Notify"/>; a "sleeping" flag exchanged by both sides (full fences) guarantees a wake-up
/// is never lost and never left over.
/// </summary>
internal sealed class SpinThenBlockWaiter : IDisposable
{
    /// <summary>How long a waiter spins before it sleeps.</summary>
    public const int SpinMicroseconds = 50;

    private static readonly long SpinTicks = Stopwatch.Frequency * SpinMicroseconds / 1_000_000;
    private readonly SemaphoreSlim _wake = new(0);
    private int _sleeping;

    /// <summary>Returns once <c>Volatile.Read(ref location) == value</c>.</summary>
    public void WaitUntilEqual(ref int location, int value) => Wait(ref location, value, equal: true);

    /// <summary>Returns once <c>Volatile.Read(ref location) != value</c>.</summary>
    public void WaitUntilDifferent(ref int location, int value) => Wait(ref location, value, equal: false);

    private void Wait(ref int location, int value, bool equal)
    {
        if ((Volatile.Read(ref location) == value) == equal) return;
        long deadline = Stopwatch.GetTimestamp() + SpinTicks;
        var spinner = new SpinWait();
        while (Stopwatch.GetTimestamp() < deadline)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
            if ((Volatile.Read(ref location) == value) == equal) return;
        }
        Interlocked.Exchange(ref _sleeping, 1);
        // If the value arrived meanwhile, take the flag back; losing that race means Notify saw the flag and released.
        if ((Volatile.Read(ref location) == value) == equal && Interlocked.Exchange(ref _sleeping, 0) == 1) return;
        _wake.Wait();
    }

    /// <summary>Wakes the waiter if it sleeps; call after writing the value it waits for.</summary>
    public void Notify()
    {
        if (Interlocked.Exchange(ref _sleeping, 0) == 1) _wake.Release();
    }

    /// <inheritdoc />
    public void Dispose() => _wake.Dispose();
}
