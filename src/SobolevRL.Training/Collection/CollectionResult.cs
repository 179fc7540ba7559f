namespace SobolevRL.Collection;

/// <summary>What a collection run did and how fast.</summary>
/// <param name="States">States in the dataset now.</param>
/// <param name="NewStates">States added by this run.</param>
/// <param name="EpisodesFinished">Episodes that ended (terminated or truncated) in this run.</param>
/// <param name="Seconds">Wall time of the run.</param>
/// <param name="StatesPerSecond">New states per second, end to end (labelling, stepping, writing).</param>
/// <param name="LabelSeconds">Time spent labelling (teacher forward + gradients + copies to storage type).</param>
/// <param name="StepWaitSeconds">Time the labeller waited for env steps it could not overlap.</param>
/// <param name="CommitSeconds">Time spent writing and committing shards.</param>
/// <param name="Shards">Committed shards now.</param>
/// <param name="Complete">The dataset reached its target.</param>
/// <param name="SetupSeconds">Time the labeller waited for environments being made and first reset (the first group's
/// setup; the second group's only where it outlasted the first group's labelling).</param>
/// <param name="Cpu">CPU time of the run, in all and by part.</param>
public sealed record CollectionResult(long States, long NewStates, long EpisodesFinished, double Seconds, double StatesPerSecond,
    double LabelSeconds, double StepWaitSeconds, double CommitSeconds, int Shards, bool Complete, double SetupSeconds, CollectionCpu Cpu)
{
    /// <summary>New states per second once the environments were running (without <see cref="SetupSeconds"/>).</summary>
    public double SteadyStatesPerSecond => NewStates / Math.Max(Seconds - SetupSeconds, 1e-9);
}

/// <summary>CPU seconds of a collection run (less disturbed by other processes than wall time).</summary>
/// <param name="Total">The whole process during the run: labelling (libtorch's threads), stepping, recording, commits.</param>
/// <param name="EnvSteps">The env groups' stepping threads inside their vector env's Step (emulation, preprocessing, auto-resets).</param>
/// <param name="EnvSetup">Making the environments and their first reset.</param>
public sealed record CollectionCpu(double Total, double EnvSteps, double EnvSetup);
