using SobolevRL.Replay;
using SobolevRL.Teachers;
using SobolevRL.Policies;

namespace SobolevRL.Distillation;

/// <summary>Checks that a teacher given beside a dataset is one that could have labelled it.</summary>
public static class TeacherFit
{
    /// <summary>
    /// Throws <see cref="UserErrorException"/> when <paramref name="teacher"/> takes other observations or has another
    /// number of actions than <paramref name="data"/> holds (e.g. a frame-stacked teacher beside an unstacked dataset).
    /// </summary>
    public static void Check(IPolicy teacher, string teacherPath, DatasetSummary data)
    {
        if (!teacher.ObservationShape.SequenceEqual(data.ObservationShape))
            throw new UserErrorException($"teacher '{teacherPath}' takes observations [{string.Join(", ", teacher.ObservationShape)}], the dataset ({data.EnvId}) holds [{string.Join(", ", data.ObservationShape)}]: give the teacher the dataset was collected with, or collect a dataset for this teacher");
        if (teacher.Actions != data.Actions)
            throw new UserErrorException($"teacher '{teacherPath}' has {teacher.Actions} actions, the dataset ({data.EnvId}) {data.Actions}: give the teacher the dataset was collected with");
    }
}
