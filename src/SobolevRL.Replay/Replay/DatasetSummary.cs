using SobolevRL.Teachers;

namespace SobolevRL.Replay;

/// <summary>What a replay dataset holds, as a trainer or evaluator needs to know it.</summary>
/// <param name="EnvId">Environment id of the collection.</param>
/// <param name="ObservationShape">Shape of one stacked observation (CHW with C = channels × frame stack).</param>
/// <param name="Actions">Number of actions A.</param>
/// <param name="Labels">Gradient label mode of the teacher labels.</param>
/// <param name="TrainStates">States in the training split.</param>
/// <param name="HeldOutStates">States in the held-out split.</param>
/// <param name="TeacherSha256">SHA-256 of the teacher file that labelled the data.</param>
/// <param name="Temperature">Temperature τ of the teacher's log-policy labels.</param>
public sealed record DatasetSummary(string EnvId, long[] ObservationShape, int Actions, LabelMode Labels,
    long TrainStates, long HeldOutStates, string TeacherSha256, double Temperature)
{
    /// <summary>
    /// Leading channels of the observation whose gradient labels are not the teacher's derivative (0: none): the older
    /// frames of a stack labelled by a recurrent teacher that reads the newest (<see cref="DatasetManifest.UnlabelledChannels"/>).
    /// </summary>
    public int UnlabelledChannels { get; init; }
}

/// <summary>The two disjoint parts of a dataset, split by episode.</summary>
public enum DatasetSplit
{
    /// <summary>States students are trained on.</summary>
    Train,
    /// <summary>States of held-out episodes, for evaluation only.</summary>
    HeldOut,
}
