using SobolevRL.Envs.Wrappers;

namespace SobolevRL.Replay;

/// <summary>
/// Row indices of a dataset built once at open from the memory-mapped <c>episode</c> and <c>step</c> arrays: the rows of
/// each split (training rows possibly restricted to a fraction of the training episodes) and, for frame stacks, the row
/// of each state's previous step in the same episode (−1 at an episode's first state). About 8 bytes per state.
/// </summary>
public sealed class ReplayIndex
{
    private readonly int[]? _previous;

    /// <summary>
    /// Builds the index of <paramref name="reader"/>'s usable shards. <paramref name="validationFraction"/> of the chosen
    /// training episodes' states (whole episodes, in a fixed order of their own, at least one episode and never all of
    /// them) form the validation split and are left out of the training rows; with a single chosen episode there is no
    /// validation split.
    /// </summary>
    public ReplayIndex(DatasetReader reader, double trainFraction, double validationFraction = 0)
    {
        if (!(trainFraction > 0 && trainFraction <= 1)) throw new UserErrorException($"train fraction {trainFraction}: must be in (0, 1]");
        if (!(validationFraction >= 0 && validationFraction < 1)) throw new UserErrorException($"validation fraction {validationFraction}: must be in [0, 1)");
        if (reader.Rows > int.MaxValue) throw new NotSupportedException("datasets of more than 2^31 states");
        int rows = (int)reader.Rows;
        int stack = reader.Manifest.FrameStack;
        _previous = stack > 1 ? new int[rows] : null;
        var last = new Dictionary<long, (int Row, int Step)>();
        var trainCounts = new Dictionary<long, long>();
        var heldOut = new List<int>();
        foreach (var shard in reader.Shards)
        {
            var episodes = shard[ReplayArrays.Episode];
            var steps = shard[ReplayArrays.Step];
            for (long r = 0; r < shard.Rows; r++)
            {
                int row = (int)(shard.FirstRow + r);
                long e = episodes.Get<long>(r);
                int s = steps.Get<int>(r);
                if (_previous != null)
                    _previous[row] = last.TryGetValue(e, out var p) && p.Step == s - 1 ? p.Row : -1;
                last[e] = (row, s);
                if (reader.IsHeldOut(e)) heldOut.Add(row);
                else trainCounts[e] = trainCounts.GetValueOrDefault(e) + 1;
            }
        }
        long trainStates = trainCounts.Values.Sum();
        var chosen = new HashSet<long>();
        if (trainFraction >= 1) chosen.UnionWith(trainCounts.Keys);
        else
        {
            long seed = reader.Manifest.Collection.Seed;
            long taken = 0;
            foreach (long e in trainCounts.Keys.OrderBy(e => SeedMixer.ToUInt32(unchecked(seed * 31 + e), 0x5355_4253UL)).ThenBy(e => e))
            {
                if (taken >= trainFraction * trainStates && taken > 0) break;
                chosen.Add(e);
                taken += trainCounts[e];
            }
        }
        var validation = new HashSet<long>();
        if (validationFraction > 0 && chosen.Count > 1)
        {
            long seed = reader.Manifest.Collection.Seed, chosenStates = chosen.Sum(e => trainCounts[e]), taken = 0;
            foreach (long e in chosen.OrderBy(e => SeedMixer.ToUInt32(unchecked(seed * 37 + e), 0x5641_4C49UL)).ThenBy(e => e))
            {
                if ((taken >= validationFraction * chosenStates && taken > 0) || validation.Count == chosen.Count - 1) break;
                validation.Add(e);
                taken += trainCounts[e];
            }
        }
        var train = new List<int>();
        var validationRows = new List<int>();
        foreach (var shard in reader.Shards)
        {
            var episodes = shard[ReplayArrays.Episode];
            for (long r = 0; r < shard.Rows; r++)
            {
                long e = episodes.Get<long>(r);
                if (validation.Contains(e)) validationRows.Add((int)(shard.FirstRow + r));
                else if (chosen.Contains(e)) train.Add((int)(shard.FirstRow + r));
            }
        }
        TrainRows = [.. train];
        ValidationRows = [.. validationRows];
        HeldOutRows = [.. heldOut];
        TrainEpisodes = chosen.Count - validation.Count;
    }

    /// <summary>Rows of the validation episodes (taken from the chosen training episodes), ascending.</summary>
    public int[] ValidationRows { get; }

    /// <summary>Rows sampled for training, ascending.</summary>
    public int[] TrainRows { get; }

    /// <summary>Rows of held-out episodes, ascending.</summary>
    public int[] HeldOutRows { get; }

    /// <summary>Training episodes selected (without the validation episodes).</summary>
    public int TrainEpisodes { get; }

    /// <summary>The row of the previous step of <paramref name="row"/>'s episode, or −1 at its first state (or without frame stacking).</summary>
    public int Previous(int row) => _previous is null ? -1 : _previous[row];
}
