namespace SobolevRL.Envs.Vector;

/// <summary>
/// Where one thread of a <see cref="ThreadedVectorEnv"/> spent its time, summed over the calls it took part in. On a
/// balanced machine every thread's <see cref="OwnRun"/> is about the same and <see cref="TakenChunks"/> stays near 0;
/// a worker whose own run is slower than the caller's keeps the caller in <see cref="Waiting"/>, and a worker that
/// stalls (descheduled) has the rest of its run taken by the caller (<see cref="TakenChunks"/>).
/// </summary>
/// <param name="Thread">0 for the calling thread, 1.. for the workers.</param>
/// <param name="Calls">Vector-env calls this thread worked on (a worker that wakes after a call is over, or finds its whole run taken, skips it).</param>
/// <param name="OwnRun">Time from the start of its work on a call until its own run of sub-envs was done.</param>
/// <param name="Working">Its own run plus the time it spent stepping chunks taken from other threads' runs.</param>
/// <param name="Waiting">Calling thread only: time from the end of its own run until the workers reported theirs done, less the time spent on taken chunks.</param>
/// <param name="TakenChunks">Calling thread only: chunks it stepped from stalled or unopened worker runs (each moves those sub-envs' state to its core).</param>
public readonly record struct VectorThreadStatistics(int Thread, long Calls, TimeSpan OwnRun, TimeSpan Working, TimeSpan Waiting, long TakenChunks)
{
    /// <summary>The change from an <paramref name="earlier"/> snapshot of the same thread to this one.</summary>
    public VectorThreadStatistics Since(VectorThreadStatistics earlier) =>
        new(Thread, Calls - earlier.Calls, OwnRun - earlier.OwnRun, Working - earlier.Working, Waiting - earlier.Waiting, TakenChunks - earlier.TakenChunks);
}
