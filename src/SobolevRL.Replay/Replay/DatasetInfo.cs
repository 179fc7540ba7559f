using SobolevRL.IO;

namespace SobolevRL.Replay;

/// <summary>Returns of the episodes the collecting policy finished in one split.</summary>
/// <param name="Episodes">Finished episodes (first and last state committed, not cut by a crash).</param>
/// <param name="Mean">Mean undiscounted return (NaN without episodes).</param>
/// <param name="Std">Population standard deviation.</param>
/// <param name="Min">Smallest return.</param>
/// <param name="Max">Largest return.</param>
public sealed record ReturnStats(int Episodes, double Mean, double Std, double Min, double Max)
{
    /// <summary>Statistics of <paramref name="returns"/>.</summary>
    public static ReturnStats Of(IReadOnlyCollection<double> returns)
    {
        if (returns.Count == 0) return new(0, double.NaN, double.NaN, double.NaN, double.NaN);
        double mean = returns.Average();
        double std = Math.Sqrt(returns.Sum(r => (r - mean) * (r - mean)) / returns.Count);
        return new(returns.Count, mean, std, returns.Min(), returns.Max());
    }
}

/// <summary>Bytes of one array per state, over the usable shards.</summary>
/// <param name="Array">Array name (see <see cref="ReplayArrays"/>).</param>
/// <param name="Dtype">.npy dtype descriptor.</param>
/// <param name="BytesPerState">Data bytes per state.</param>
/// <param name="TotalBytes">Data bytes in all usable shards.</param>
public sealed record ArrayBytes(string Array, string Dtype, long BytesPerState, long TotalBytes);

/// <summary>
/// What <c>sobolevrl data info</c> shows: counts, split, episodes and the collecting policy's returns, label mode, bytes
/// per state by array, and the problems found while opening (torn, missing or checksum-failing shards).
/// </summary>
/// <param name="Manifest">The manifest.</param>
/// <param name="States">States in usable shards.</param>
/// <param name="TrainStates">Usable states of training episodes.</param>
/// <param name="HeldOutStates">Usable states of held-out episodes.</param>
/// <param name="Episodes">Distinct episodes with usable states.</param>
/// <param name="HeldOutEpisodes">Of which held out.</param>
/// <param name="PartialEpisodes">Episodes whose stored states stop before the episode ended.</param>
/// <param name="TrainReturns">Returns of finished training episodes.</param>
/// <param name="HeldOutReturns">Returns of finished held-out episodes.</param>
/// <param name="Arrays">Bytes per state by array.</param>
/// <param name="Problems">Shards left out and why.</param>
public sealed record DatasetInfo(DatasetManifest Manifest, long States, long TrainStates, long HeldOutStates, int Episodes, int HeldOutEpisodes,
    int PartialEpisodes, ReturnStats TrainReturns, ReturnStats HeldOutReturns, IReadOnlyList<ArrayBytes> Arrays, IReadOnlyList<string> Problems)
{
    /// <summary>Data bytes of one state, all arrays.</summary>
    public long BytesPerState => Arrays.Sum(a => a.BytesPerState);

    /// <summary>Reads the information of an opened dataset (one pass over the small per-state arrays, through the memory map).</summary>
    public static DatasetInfo Of(DatasetReader reader)
    {
        var m = reader.Manifest;
        var partial = m.PartialEpisodes.ToHashSet();
        var returns = new Dictionary<long, double>();
        var started = new HashSet<long>();
        var ended = new HashSet<long>();
        long heldOutStates = 0;
        foreach (var shard in reader.Shards)
        {
            var episode = shard[ReplayArrays.Episode];
            var step = shard[ReplayArrays.Step];
            var reward = shard[ReplayArrays.Rewards];
            var terminated = shard[ReplayArrays.Terminated];
            var truncated = shard[ReplayArrays.Truncated];
            for (long r = 0; r < shard.Rows; r++)
            {
                long e = episode.Get<long>(r);
                returns[e] = returns.GetValueOrDefault(e) + reward.Get<float>(r);
                if (step.Get<int>(r) == 0) started.Add(e);
                if (terminated.Get<bool>(r) || truncated.Get<bool>(r)) ended.Add(e);
                if (reader.IsHeldOut(e)) heldOutStates++;
            }
        }
        var finished = returns.Where(p => started.Contains(p.Key) && ended.Contains(p.Key) && !partial.Contains(p.Key)).ToList();
        var arrays = new List<ArrayBytes>();
        foreach (string name in reader.Schema.Arrays.Select(a => a.Name))
        {
            var first = reader.Shards.Select(s => s.Array(name)).FirstOrDefault(a => a != null);
            if (first == null) continue;
            long total = reader.Shards.Sum(s => s.Array(name)?.Header.DataBytes ?? 0);
            arrays.Add(new ArrayBytes(name, first.Header.Dtype.Descriptor(), first.RowBytes, total));
        }
        int heldOutEpisodes = returns.Keys.Count(reader.IsHeldOut);
        return new DatasetInfo(m, reader.Rows, reader.Rows - heldOutStates, heldOutStates, returns.Count, heldOutEpisodes,
            returns.Count - finished.Count,
            ReturnStats.Of(finished.Where(p => !reader.IsHeldOut(p.Key)).Select(p => p.Value).ToList()),
            ReturnStats.Of(finished.Where(p => reader.IsHeldOut(p.Key)).Select(p => p.Value).ToList()),
            arrays, reader.Problems);
    }
}
