using SobolevRL.Replay;

namespace SobolevRL.Experiments;

/// <summary>The training split a percentage of a recorded dataset selects: whole episodes, at least one.</summary>
/// <param name="Percent">The percentage asked for.</param>
/// <param name="Episodes">Training episodes it selects.</param>
/// <param name="States">Training states it selects.</param>
internal readonly record struct DatasetFraction(double Percent, int Episodes, long States)
{
    /// <summary>The fractions <paramref name="percents"/> of the dataset in <paramref name="datasetDir"/>, in ascending order.</summary>
    public static List<DatasetFraction> Measure(string datasetDir, IEnumerable<double> percents)
    {
        var fractions = new List<DatasetFraction>();
        foreach (double percent in percents.Order())
        {
            using var data = OnDiskDataset.Open(datasetDir, percent / 100.0, verifyChecksums: false);
            fractions.Add(new DatasetFraction(percent, data.TrainEpisodes, data.Summary.TrainStates));
        }
        return fractions;
    }

    /// <summary>
    /// Groups of two or more fractions that select the same states: being whole episodes, small percentages of a
    /// dataset of few episodes can all be its first episode, and their students then train on identical data.
    /// </summary>
    public static IEnumerable<IGrouping<long, DatasetFraction>> SameStates(IEnumerable<DatasetFraction> fractions) =>
        fractions.GroupBy(f => f.States).Where(g => g.Count() > 1);
}
