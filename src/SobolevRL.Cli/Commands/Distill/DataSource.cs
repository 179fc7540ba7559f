using SobolevRL.Replay;

namespace SobolevRL.Cli.Commands.Distill;

/// <summary>Turns a <c>--data</c> value into a dataset.</summary>
public static class DataSource
{
    /// <summary>Opens <paramref name="data"/>: a <c>smoke:ENV,STATES,LABELS</c> source or a dataset directory written by <c>collect</c>.</summary>
    public static IReplayDataset Open(string data, bool allowDamaged = false)
    {
        if (data.StartsWith(SmokeDataset.Prefix, StringComparison.Ordinal)) return SmokeDataset.Parse(data);
        if (!Directory.Exists(data))
            throw new UserErrorException($"--data {data}: no such dataset directory; give a directory written by 'sobolevrl collect' or smoke:ENV,STATES,LABELS");
        var dataset = OnDiskDataset.Open(data);
        try
        {
            dataset.RefuseDamaged(allowDamaged, "pass --allow-damaged to use only the intact shards");
        }
        catch
        {
            dataset.Dispose();
            throw;
        }
        foreach (string problem in dataset.Problems) Infrastructure.Output.Log($"warning: {data}: {problem}");
        return dataset;
    }
}
