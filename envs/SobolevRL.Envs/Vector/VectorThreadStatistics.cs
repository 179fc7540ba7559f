namespace SobolevRL.Envs.Vector;

/// <summary>
/// Where one thread of a <see cref="ThreadedVectorEnv"/> spent its time, summed over the calls it took part in. On a
/// balanced machine every thread's <see cref="OwnRun"/> is about the same and <see cref="TakenChunks"/> stays near 0;
/// a thread whose own run is slower than the others' is on a slower (or shared) core, or its sub-envs' memory is
/// elsewhere, and the others spend the difference in <see cref="Working"/> (waiting to take its chunks) or
/// <see cref="Waiting"/>.
/// </summary>
/// <param name="Thread">0 for the calling thread, 1.. for the workers.</param>
/// <param name="Calls">Vector-env calls this thread worked on (a worker that wakes after a call is over skips it).</param>
/// <param name="OwnRun">Time from the start of its work on a call until its own run of sub-envs was done.</param>
/// <param name="Working">Time from the start of its work on a call until it found nothing left to claim: its own run, then other threads' chunks (and the grace it gives a working owner before taking them).</param>
/// <param name="Waiting">Calling thread only: time from the end of its work until the workers reported theirs done.</param>
/// <param name="TakenChunks">Chunks it stepped from other threads' runs (each moves those sub-envs' state to its core).</param>
public readonly record struct VectorThreadStatistics(int Thread, long Calls, TimeSpan OwnRun, TimeSpan Working, TimeSpan Waiting, long TakenChunks)
{
    /// <summary>The change from an <paramref name="earlier"/> snapshot of the same thread to this one.</summary>
    public VectorThreadStatistics Since(VectorThreadStatistics earlier) =>
        new(Thread, Calls - earlier.Calls, OwnRun - earlier.OwnRun, Working - earlier.Working, Waiting - earlier.Waiting, TakenChunks - earlier.TakenChunks);
}
