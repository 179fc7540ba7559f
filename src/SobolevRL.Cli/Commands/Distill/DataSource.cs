using SobolevRL.Replay;

namespace SobolevRL.Cli.Commands.Distill;

/// <summary>Turns a <c>--data</c> value into a dataset.</summary>
public static class DataSource
{
    /// <summary>
    /// Opens <paramref name="data"/>: a <c>smoke:ENV,STATES,LABELS</c> source or a dataset directory written by
    /// <c>collect</c>, of which <paramref name="trainFraction"/> of the training episodes are used (directories only).
    /// </summary>
    public static IReplayDataset Open(string data, double trainFraction = 1.0)
    {
        if (!(trainFraction > 0 && trainFraction <= 1))
            throw new UserErrorException($"--train-fraction {trainFraction}: must be in (0, 1]");
        if (data.StartsWith(SmokeDataset.Prefix, StringComparison.Ordinal))
        {
            if (trainFraction < 1) throw new UserErrorException("--train-fraction needs a dataset directory; the smoke dataset has no episodes to choose from");
            return SmokeDataset.Parse(data);
        }
        if (!Directory.Exists(data))
            throw new UserErrorException($"--data {data}: no such dataset directory; give a directory written by 'sobolevrl collect' or smoke:ENV,STATES,LABELS");
        var dataset = OnDiskDataset.Open(data, trainFraction);
        foreach (string problem in dataset.Problems) Infrastructure.Output.Log($"warning: {data}: {problem}");
        return dataset;
    }
}
