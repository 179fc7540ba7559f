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
/// <param name="SetupSeconds">Time spent making the environments and resetting them, before the first state.</param>
public sealed record CollectionResult(long States, long NewStates, long EpisodesFinished, double Seconds, double StatesPerSecond,
    double LabelSeconds, double StepWaitSeconds, double CommitSeconds, int Shards, bool Complete, double SetupSeconds)
{
    /// <summary>New states per second once the environments were running (without <see cref="SetupSeconds"/>).</summary>
    public double SteadyStatesPerSecond => NewStates / Math.Max(Seconds - SetupSeconds, 1e-9);
}
