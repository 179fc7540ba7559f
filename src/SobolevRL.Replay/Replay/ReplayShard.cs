namespace SobolevRL.Replay;

/// <summary>A committed, verified shard opened for reading: its arrays memory-mapped.</summary>
public sealed class ReplayShard : IDisposable
{
    private readonly Dictionary<string, MappedArray> _arrays;

    internal ReplayShard(string name, long firstRow, long rows, Dictionary<string, MappedArray> arrays)
    {
        Name = name;
        FirstRow = firstRow;
        Rows = rows;
        _arrays = arrays;
    }

    /// <summary>Directory name.</summary>
    public string Name { get; }

    /// <summary>Global index of the shard's first row in the dataset.</summary>
    public long FirstRow { get; }

    /// <summary>Rows of the shard.</summary>
    public long Rows { get; }

    /// <summary>The array <paramref name="name"/> (see <see cref="ReplayArrays"/>), or null when the label mode has none.</summary>
    public MappedArray? Array(string name) => _arrays.GetValueOrDefault(name);

    /// <summary>The array <paramref name="name"/>; throws when absent.</summary>
    public MappedArray this[string name] => _arrays[name];

    /// <summary>Drops mapped pages from the resident set.</summary>
    public void ReleaseResidentPages()
    {
        foreach (var a in _arrays.Values) a.ReleaseResidentPages();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var a in _arrays.Values) a.Dispose();
    }
}
