using SobolevRL.Replay;

namespace SobolevRL.Collection;

/// <summary>Turns a dataset source (config key <c>data</c>) into a dataset.</summary>
public static class DatasetSource
{
    /// <summary>
    /// Opens <paramref name="data"/>: a <c>smoke:ENV,STATES,LABELS</c> source or a dataset directory written by
    /// <c>collect</c>, of which <paramref name="trainFraction"/> of the training episodes are used (directories only);
    /// <paramref name="warn"/> hears the problems an opened dataset reports. A dataset with damaged shards is refused
    /// unless <paramref name="allowDamaged"/>, which trains on the intact ones.
    /// </summary>
    public static IReplayDataset Open(string data, Action<string>? warn = null, double trainFraction = 1.0, bool allowDamaged = false)
    {
        if (!(trainFraction > 0 && trainFraction <= 1))
            throw new UserErrorException($"{UserErrorException.Key("train_fraction")} {trainFraction}: must be in (0, 1]");
        if (data.StartsWith(SmokeDataset.Prefix, StringComparison.Ordinal))
        {
            if (trainFraction < 1) throw new UserErrorException($"{UserErrorException.Key("train_fraction")} needs a dataset directory; the smoke dataset has no episodes to choose from");
            return SmokeDataset.Parse(data);
        }
        if (!Directory.Exists(data))
            throw new UserErrorException($"{UserErrorException.Key("data")} {data}: no such dataset directory; give a directory written by 'sobolevrl collect' or smoke:ENV,STATES,LABELS");
        var dataset = OnDiskDataset.Open(data, trainFraction);
        try
        {
            dataset.RefuseDamaged(allowDamaged, $"set {UserErrorException.Key("allow_damaged")} to use only the intact shards");
        }
        catch
        {
            dataset.Dispose();
            throw;
        }
        foreach (string problem in dataset.Problems) warn?.Invoke($"warning: {data}: {problem}");
        return dataset;
    }
}
