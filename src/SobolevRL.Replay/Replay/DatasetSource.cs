namespace SobolevRL.Replay;

/// <summary>Turns a dataset source (config key <c>data</c>) into a dataset.</summary>
public static class DatasetSource
{
    /// <summary>
    /// Opens <paramref name="data"/>: a <c>smoke:ENV,STATES,LABELS</c> source or a dataset directory written by
    /// <c>collect</c>; <paramref name="warn"/> hears the problems an opened dataset reports.
    /// </summary>
    public static IReplayDataset Open(string data, Action<string>? warn = null)
    {
        if (data.StartsWith(SmokeDataset.Prefix, StringComparison.Ordinal)) return SmokeDataset.Parse(data);
        if (!Directory.Exists(data))
            throw new UserErrorException($"{UserErrorException.Key("data")} {data}: no such dataset directory; give a directory written by 'sobolevrl collect' or smoke:ENV,STATES,LABELS");
        var dataset = OnDiskDataset.Open(data);
        foreach (string problem in dataset.Problems) warn?.Invoke($"warning: {data}: {problem}");
        return dataset;
    }
}
