namespace SobolevRL.Envs.Bench;

/// <summary>Throughput of an environment under random actions (one row of <c>sobolevrl env bench</c>).</summary>
/// <param name="EnvId">The environment id.</param>
/// <param name="NumEnvs">Sub-environments (1 for a single env).</param>
/// <param name="Threads">Threads stepping them (1 for a single env or a sync vector env).</param>
/// <param name="Steps">Environment steps timed, summed over sub-envs.</param>
/// <param name="Seconds">Wall-clock time of the timed steps.</param>
/// <param name="FramesPerStep">Emulator frames per step when the env reports <c>episode_frame_number</c> (Atari frame skip), else null.</param>
/// <param name="CpuSeconds">Processor time the whole process used during the timed steps (all threads, spinning included), when measured.</param>
public sealed record EnvBenchmarkResult(string EnvId, int NumEnvs, int Threads, long Steps, double Seconds, int? FramesPerStep, double? CpuSeconds = null)
{
    /// <summary>Environment steps per second, summed over sub-envs.</summary>
    public double StepsPerSecond => Steps / Seconds;

    /// <summary>Emulator frames per second, when <see cref="FramesPerStep"/> is known.</summary>
    public double? FramesPerSecond => FramesPerStep * StepsPerSecond;

    /// <summary>
    /// Processor time per step in microseconds. Comparing it between thread counts shows the cost of parallelism
    /// (hand-offs, spinning, cache traffic) even on a machine too busy to show the wall-clock speed-up.
    /// </summary>
    public double? CpuMicrosecondsPerStep => CpuSeconds * 1e6 / Steps;

    /// <summary>Vector runs: the 1st percentile of the time of one batched <c>Step</c>, in microseconds (see <see cref="BatchP10Microseconds"/>).</summary>
    public double? BatchP1Microseconds { get; init; }

    /// <summary>
    /// Vector runs: the 10th percentile of the time one batched <c>Step</c> of all sub-envs took, in microseconds.
    /// On a machine shared with other work it approximates the step time when every thread had a core, which the
    /// mean (<see cref="StepsPerSecond"/>) cannot show; compare it between thread counts for the parallel speed-up.
    /// </summary>
    public double? BatchP10Microseconds { get; init; }

    /// <summary>Vector runs: the median time of one batched <c>Step</c>, in microseconds.</summary>
    public double? BatchMedianMicroseconds { get; init; }

    /// <summary>
    /// Threaded vector runs: per thread (the calling thread first), the mean time, over the batches it took part in,
    /// until its own run of sub-envs was stepped. Equal shares of the work should take equal times; a thread that is
    /// consistently slower sits on a slower or shared core, or meets more cross-core traffic, and the batch waits for it.
    /// </summary>
    public IReadOnlyList<double>? OwnRunMicroseconds { get; init; }

    /// <summary>Threaded vector runs: the calling thread's mean time per batch between finishing its work and seeing the workers' done.</summary>
    public double? CallerWaitMicroseconds { get; init; }

    /// <summary>Threaded vector runs: chunks stepped per batch by a thread other than their owner (0 when every thread keeps up).</summary>
    public double? TakenChunksPerBatch { get; init; }
}
