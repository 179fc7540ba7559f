using System.Globalization;
using System.Text.RegularExpressions;
using static SobolevRL.UserErrorException;

namespace SobolevRL.Replay;

/// <summary>One game of a multi-game data source: its name and the dataset source of its teacher's labels.</summary>
/// <param name="Game">Name of the game (the key before <c>=</c>, e.g. <c>breakout</c>).</param>
/// <param name="Source">A dataset directory or a <c>smoke:ENV,STATES,LABELS</c> source.</param>
public sealed record GameSource(string Game, string Source);

/// <summary>
/// Several labelled datasets, one per game, each with its own teacher's labels: the config key <c>data</c> written as
/// <c>GAME=SOURCE,GAME=SOURCE,…</c> (<c>breakout=runs/bo,spaceinvaders=smoke:MinAtar/SpaceInvaders-v1,600,full</c>).
/// Every game's observations must have one shape (the student's torso is shared), unless the student declares per-game
/// input adapters (then they may differ in channels only); action counts may differ (one head per game). Opening reads only; nothing is written.
/// </summary>
public sealed partial class MultiGameDataset : IDisposable
{
    private MultiGameDataset(IReadOnlyList<string> games, IReadOnlyList<IReplayDataset> datasets, bool channelAdapters)
    {
        Games = games;
        Datasets = datasets;
        ChannelAdapters = channelAdapters;
    }

    /// <summary>Whether the games may differ in observation channels (the student declares per-game input adapters).</summary>
    public bool ChannelAdapters { get; }

    /// <summary>Game names, in the order of the source (game index g).</summary>
    public IReadOnlyList<string> Games { get; }

    /// <summary>The dataset of each game, in the order of <see cref="Games"/>.</summary>
    public IReadOnlyList<IReplayDataset> Datasets { get; }

    /// <summary>
    /// Shape the shared torso takes: every game's (equal) observation shape, or with <see cref="ChannelAdapters"/> the
    /// most channels of any game at the games' common height and width.
    /// </summary>
    public long[] ObservationShape => ChannelAdapters
        ? [Datasets.Max(d => d.Summary.ObservationShape[0]), .. Datasets[0].Summary.ObservationShape[1..]]
        : Datasets[0].Summary.ObservationShape;

    /// <summary>Index of <paramref name="game"/> in <see cref="Games"/> (case-insensitive), or −1.</summary>
    public int IndexOf(string game) => Games.ToList().FindIndex(g => string.Equals(g, game, StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether <paramref name="data"/> names several games (<c>GAME=SOURCE,…</c>) rather than one dataset.</summary>
    public static bool IsMultiGame(string data) => EntryStart().Match(data) is { Success: true, Index: 0 };

    /// <summary>
    /// The games of a <c>GAME=SOURCE,GAME=SOURCE,…</c> source. An entry starts at the beginning or after a comma with a
    /// name of letters, digits, <c>_</c> or <c>-</c> followed by <c>=</c>, so smoke sources keep their commas. Errors name
    /// config key <paramref name="key"/>; <paramref name="value"/> says what follows each <c>=</c> (a dataset source, or
    /// an environment id for <c>games.held_out</c>) and <paramref name="example"/> shows the whole form.
    /// </summary>
    public static IReadOnlyList<GameSource> Parse(string data, string key = "data", string value = "dataset",
        string example = "breakout=DIR,spaceinvaders=smoke:MinAtar/SpaceInvaders-v1,600,full")
    {
        var starts = EntryStart().Matches(data).Where(m => m.Index == 0 || data[m.Index - 1] == ',').ToList();
        if (starts.Count == 0 || starts[0].Index != 0)
            throw new UserErrorException($"{Key(key)} {data}: expected GAME=VALUE,GAME=VALUE,… with a {value} as each VALUE (e.g. {example})");
        var games = new List<GameSource>();
        for (int i = 0; i < starts.Count; i++)
        {
            var m = starts[i];
            int from = m.Index + m.Length, to = i + 1 < starts.Count ? starts[i + 1].Index - 1 : data.Length;
            string game = m.Groups[1].Value, source = data[from..to].Trim();
            if (source.Length == 0)
                throw new UserErrorException($"{Key(key)}: game '{game}' has no {value}; write it after '{game}=' (e.g. {example})");
            if (games.FirstOrDefault(g => string.Equals(g.Game, game, StringComparison.OrdinalIgnoreCase)) is { } twice)
                throw new UserErrorException($"{Key(key)}: game '{game}' is listed twice ({twice.Source} and {source}); give each game once");
            games.Add(new GameSource(game, source));
        }
        return games;
    }

    /// <summary>
    /// Opens every game's dataset with <paramref name="openGame"/> (one rule for each game's source: the collection
    /// layer's <c>DatasetSource.Open</c>) and checks that their observations have one shape (with
    /// <paramref name="channelAdapters"/>: differ in channels only).
    /// </summary>
    public static MultiGameDataset Open(string data, Func<string, IReplayDataset> openGame, bool channelAdapters = false)
    {
        var games = Parse(data);
        var opened = new List<IReplayDataset>();
        try
        {
            foreach (var g in games) opened.Add(openGame(g.Source));
            return From([.. games.Select(g => g.Game)], opened, channelAdapters);
        }
        catch
        {
            foreach (var d in opened) d.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Groups opened datasets (taking ownership) after checking names (distinct, at least one) and observation shapes
    /// (equal: the student's torso is shared; with <paramref name="channelAdapters"/>, channel-first images that differ
    /// in channels only, each game's adapter mapping its channels to the torso's).
    /// </summary>
    public static MultiGameDataset From(IReadOnlyList<string> games, IReadOnlyList<IReplayDataset> datasets, bool channelAdapters = false)
    {
        if (games.Count != datasets.Count || games.Count == 0) throw new ArgumentException("one dataset per game, at least one game");
        var duplicate = games.GroupBy(g => g, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new UserErrorException($"{Key("data")}: game '{duplicate.Key}' is listed twice; give each game once");
        var first = datasets[0].Summary;
        for (int i = 1; i < datasets.Count; i++)
        {
            var s = datasets[i].Summary;
            bool images = s.ObservationShape.Length == 3 && first.ObservationShape.Length == 3;
            bool fits = channelAdapters
                ? images && s.ObservationShape[1..].SequenceEqual(first.ObservationShape[1..])
                : s.ObservationShape.SequenceEqual(first.ObservationShape);
            if (!fits)
                throw new UserErrorException(
                    $"{Key("data")}: game '{games[i]}' ({s.EnvId}) has observations [{string.Join(", ", s.ObservationShape)}] but '{games[0]}' ({first.EnvId}) has [{string.Join(", ", first.ObservationShape)}]; " +
                    (channelAdapters
                        ? $"per-game input adapters ({Key("games.adapter")}) map channels only: every game needs channel-first images of one height and width"
                        : $"a multi-game student shares its torso, so every game's observations must have one shape: train games of one observation shape together, " +
                          $"or declare per-game input adapters with {Key("games.adapter")}=conv1x1 when they differ in channels only (MinAtar: 4, 6, 7, 10)"));
        }
        return new MultiGameDataset(games, datasets, channelAdapters);
    }

    /// <summary>
    /// Rows per game of a batch of <paramref name="batchSize"/>: proportional to <paramref name="weights"/> (equal when
    /// null), rounded by largest remainder (ties to the earlier game) so they sum to the batch size exactly and every
    /// batch has the same shares. Each game must get at least one row.
    /// </summary>
    public static int[] Shares(int batchSize, IReadOnlyList<string> games, IReadOnlyList<double>? weights = null)
    {
        int n = games.Count;
        var w = weights ?? Enumerable.Repeat(1.0, n).ToArray();
        if (w.Count != n) throw new ArgumentException("one weight per game");
        double total = w.Sum();
        var exact = w.Select(x => batchSize * x / total).ToArray();
        var shares = exact.Select(x => (int)Math.Floor(x)).ToArray();
        int left = batchSize - shares.Sum();
        foreach (int g in Enumerable.Range(0, n).OrderByDescending(g => exact[g] - shares[g]).ThenBy(g => g).Take(left)) shares[g]++;
        for (int g = 0; g < n; g++)
            if (shares[g] == 0)
                throw new UserErrorException(string.Create(CultureInfo.InvariantCulture,
                    $"{Key("optim.batch_size")} {batchSize} gives game '{games[g]}' no rows at weight {w[g]:G4} of {total:G4}; every batch holds every game: raise {Key("optim.batch_size")} or that game's weight in {Key("games.weights")}"));
        return shares;
    }

    /// <summary>
    /// A sampler of game-mixed batches: game g's rows come from its own dataset's sampler (batch size
    /// <paramref name="shares"/>[g], seed derived from <paramref name="seed"/> and g), all at <paramref name="position"/>.
    /// </summary>
    public MultiGameSampler OpenSampler(int[] shares, long seed, long position, TorchSharp.torch.Device device, double validationFraction = 0)
    {
        var samplers = new List<IReplaySampler>();
        try
        {
            for (int g = 0; g < Datasets.Count; g++)
                samplers.Add(Datasets[g].OpenSampler(shares[g], GameSeed(seed, g), position, device, validationFraction));
            return new MultiGameSampler(samplers, position);
        }
        catch
        {
            foreach (var s in samplers) s.Dispose();
            throw;
        }
    }

    /// <summary>Seed of game <paramref name="game"/>'s sampler in a run of seed <paramref name="seed"/> (game 0 keeps the run's seed).</summary>
    public static long GameSeed(long seed, int game) => unchecked(seed + game * 0x5851F42D4C957F2DL);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var d in Datasets) d.Dispose();
    }

    [GeneratedRegex(@"([A-Za-z0-9_-]+)=")]
    private static partial Regex EntryStart();
}

/// <summary>
/// Draws game-mixed minibatches by composing one sampler per game: every batch holds exactly each game's share of rows,
/// in game order. Deterministic and resumable like its per-game samplers (all stay at the same position).
/// </summary>
public sealed class MultiGameSampler : IDisposable
{
    private readonly IReadOnlyList<IReplaySampler> _samplers;

    internal MultiGameSampler(IReadOnlyList<IReplaySampler> samplers, long position)
    {
        _samplers = samplers;
        Position = position;
    }

    /// <summary>Batches drawn so far (including the start position).</summary>
    public long Position { get; private set; }

    /// <summary>Training states of each game the batches are drawn from.</summary>
    public IReadOnlyList<long> TrainStates => [.. _samplers.Select(s => s.TrainStates)];

    /// <summary>The next batch; the caller disposes it.</summary>
    public MultiGameBatch Next()
    {
        var parts = new List<ReplayBatch>(_samplers.Count);
        try
        {
            foreach (var s in _samplers) parts.Add(s.Next());
        }
        catch
        {
            foreach (var p in parts) p.Dispose();
            throw;
        }
        Position++;
        return new MultiGameBatch(parts);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var s in _samplers) s.Dispose();
    }
}

/// <summary>
/// A game-mixed minibatch: part g holds game g's rows with its own teacher's labels (action counts may differ between
/// games); <see cref="Games"/> says the game of every row of the batch in part order.
/// </summary>
public sealed class MultiGameBatch : IDisposable
{
    /// <summary>Groups <paramref name="parts"/> (taking ownership), part g being game g's rows.</summary>
    public MultiGameBatch(IReadOnlyList<ReplayBatch> parts)
    {
        Parts = parts;
        var device = parts[0].Observations.device;
        long[] games = [.. parts.SelectMany((p, g) => Enumerable.Repeat((long)g, (int)p.Size))];
        Games = TorchSharp.torch.tensor(games, dtype: TorchSharp.torch.ScalarType.Int64, device: device);
    }

    /// <summary>Game g's rows, in game order.</summary>
    public IReadOnlyList<ReplayBatch> Parts { get; }

    /// <summary>Game index of every row (int64, B), rows in part order.</summary>
    public TorchSharp.torch.Tensor Games { get; }

    /// <summary>Rows of the whole batch.</summary>
    public long Size => Parts.Sum(p => p.Size);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var p in Parts) p.Dispose();
        Games.Dispose();
    }
}
