using SobolevRL.Replay;
using SobolevRL.Teachers;
using SobolevRL.Policies;

namespace SobolevRL.Distillation;

/// <summary>Checks that a teacher given beside a dataset is one that could have labelled it.</summary>
public static class TeacherFit
{
    /// <summary>
    /// Throws <see cref="UserErrorException"/> when <paramref name="teacher"/> takes other observations or has another
    /// number of actions than <paramref name="data"/> holds (e.g. a frame-stacked teacher beside an unstacked dataset). A
    /// recurrent teacher of single frames fits a dataset of stacked frames (it labelled them through
    /// <see cref="StackedRecurrentTeacher"/>).
    /// </summary>
    public static void Check(IPolicy teacher, string teacherPath, DatasetSummary data)
    {
        long[] t = teacher.ObservationShape, d = data.ObservationShape;
        bool stacked = teacher is IRecurrentPolicy { StateSize: > 0 } && t.Length == 3 && d.Length == 3 && t[1] == d[1] && t[2] == d[2] && d[0] % t[0] == 0;
        if (!stacked && !t.SequenceEqual(d))
            throw new UserErrorException($"teacher '{teacherPath}' takes observations [{string.Join(", ", teacher.ObservationShape)}], the dataset ({data.EnvId}) holds [{string.Join(", ", data.ObservationShape)}]: give the teacher the dataset was collected with, or collect a dataset for this teacher");
        if (teacher.Actions != data.Actions)
            throw new UserErrorException($"teacher '{teacherPath}' has {teacher.Actions} actions, the dataset ({data.EnvId}) {data.Actions}: give the teacher the dataset was collected with");
    }
}
