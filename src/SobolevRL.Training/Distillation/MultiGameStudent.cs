using System.Text.Json;
using SobolevRL.Config;
using SobolevRL.Optimizers;
using SobolevRL.Policies;
using SobolevRL.Runs;
using SobolevRL.Teachers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SobolevRL.Distillation;

/// <summary>
/// The network of a multi-game student: a shared torso (every layer of the single-game student but its last) and one
/// linear output head per game (Rusu et al. 2016), or one head shared by every game, and optionally one input adapter
/// per game in front of the torso. Its parameters, in <see cref="nn.Module.parameters"/> order (torso, heads, then
/// adapters), are what a checkpoint saves.
/// </summary>
public sealed class MultiGameNetwork : nn.Module
{
    private readonly Sequential torso;
    private readonly ModuleList<Linear> heads;
    private readonly ModuleList<Conv2d> adapters;

    /// <summary>Groups a torso, its heads and per-game input adapters (none, or one per game; taking ownership).</summary>
    public MultiGameNetwork(Sequential torso, IReadOnlyList<Linear> heads, IReadOnlyList<Conv2d>? adapters = null) : base("multi_game")
    {
        this.torso = torso;
        this.heads = new ModuleList<Linear>([.. heads]);
        this.adapters = new ModuleList<Conv2d>([.. adapters ?? []]);
        RegisterComponents();
    }

    /// <summary>The per-game input adapters (empty without <see cref="InputAdapter.Conv1x1"/>).</summary>
    public IReadOnlyList<Conv2d> Adapters => [.. adapters];

    /// <summary>The shared torso.</summary>
    public Sequential Torso => torso;

    /// <summary>The output heads (one per game, or one shared).</summary>
    public IReadOnlyList<Linear> Heads => [.. heads];
}

/// <summary>
/// A multi-game student: <see cref="MultiGameNetwork"/> with, per game, a <see cref="ModulePolicy"/> view (torso +
/// that game's head, as one <c>Sequential</c> of the same modules) that the single-game loss, metrics and exporter take
/// unchanged, so every value loss, label mode, derivative form and estimator works per head exactly as for one game.
/// </summary>
public sealed class MultiGameStudent : IDisposable
{
    private static readonly Lock SeedLock = new();
    private readonly Sequential[] _views;

    private readonly StudentSpec _spec;
    private readonly double _sharedTemperature;

    private MultiGameStudent(MultiGameNetwork network, long[] torsoShape, IReadOnlyList<string> games, int[] headOf, ModulePolicy[] policies, Sequential[] views,
        StudentSpec spec, double sharedTemperature)
    {
        _spec = spec;
        _sharedTemperature = sharedTemperature;
        TorsoShape = torsoShape;
        Network = network;
        Games = games;
        HeadOf = headOf;
        Policies = policies;
        _views = views;
    }

    /// <summary>The network (torso and heads) whose parameters are trained.</summary>
    public MultiGameNetwork Network { get; }

    /// <summary>Shape of one observation as the torso takes it (after a game's adapter, if any).</summary>
    public long[] TorsoShape { get; }

    /// <summary>Game names, in head order.</summary>
    public IReadOnlyList<string> Games { get; }

    /// <summary>Head of each game (all 0 for a shared head).</summary>
    public IReadOnlyList<int> HeadOf { get; }

    /// <summary>Game g's policy: the torso and game g's head.</summary>
    public IReadOnlyList<ModulePolicy> Policies { get; }

    /// <summary>
    /// Builds the student of <paramref name="spec"/> for <paramref name="games"/> with a torso taking observations of
    /// <paramref name="shape"/> and <paramref name="actions"/>[g] actions, from weights drawn with
    /// <paramref name="seed"/>: torso and first head as the single-game student of game 0 would have them, later heads
    /// drawn after it. A shared head needs equal action counts, or <paramref name="actionMaps"/> (game g's actions in
    /// one full action set; the caller checks that the sets agree): then the shared head outputs the full set and game
    /// g's policy gathers its actions' logits from it (<see cref="ActionGather"/>; none for a game acting in the full
    /// set itself). With <paramref name="gameShapes"/> (game g's observation shape, channel-first, differing from
    /// <paramref name="shape"/> in channels only) each game gets a 1×1 convolution from its channels to the torso's,
    /// drawn after the heads.
    /// </summary>
    public static MultiGameStudent Build(StudentSpec spec, long[] shape, IReadOnlyList<string> games, IReadOnlyList<int> actions,
        IReadOnlyList<double> temperatures, HeadLayout layout, long seed, Device device, IReadOnlyList<long[]>? gameShapes = null,
        IReadOnlyList<ActionMap>? actionMaps = null)
    {
        bool gather = layout == HeadLayout.Shared && actionMaps is not null && actionMaps.Any(m => !m.IsFull);
        int headActions = gather ? actionMaps![0].FullActions : actions[0];
        var adapters = new List<Conv2d>();
        Sequential full;
        var heads = new List<Linear>();
        var torsoLayers = new List<(string, nn.Module<Tensor, Tensor>)>();
        lock (SeedLock)
        {
            random.manual_seed(seed);
            full = spec.Build(shape, headActions);
            var children = full.named_children().ToList();
            if (children[^1].module is not Linear first) throw new InvalidOperationException($"student {spec}: its last layer is not linear");
            torsoLayers.AddRange(children.SkipLast(1).Select(c => (c.name, (nn.Module<Tensor, Tensor>)c.module)));
            heads.Add(first);
            if (layout == HeadLayout.Separate)
                for (int g = 1; g < games.Count; g++) heads.Add(nn.Linear(first.in_features, actions[g]));
            if (gameShapes is not null)
                for (int g = 0; g < games.Count; g++) adapters.Add(nn.Conv2d(gameShapes[g][0], shape[0], 1));
        }
        var network = new MultiGameNetwork(nn.Sequential(torsoLayers), heads, adapters);
        network.to(device);
        int[] headOf = [.. Enumerable.Range(0, games.Count).Select(g => layout == HeadLayout.Separate ? g : 0)];
        var views = new Sequential[games.Count];
        var policies = new ModulePolicy[games.Count];
        for (int g = 0; g < games.Count; g++)
        {
            long[] gameShape = gameShapes?[g] ?? shape;
            var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
            if (gameShapes is not null) layers.Add(("adapter", network.Adapters[g]));
            layers.AddRange(torsoLayers);
            layers.Add(("head", network.Heads[headOf[g]]));
            if (gather && !actionMaps![g].IsFull) layers.Add(("gather", new ActionGather(actionMaps[g].Indices, headActions)));
            views[g] = nn.Sequential(layers);
            policies[g] = new ModulePolicy(views[g], gameShape, actions[g], spec.InputScale(gameShape), temperatures[g]);
        }
        return new MultiGameStudent(network, shape, games, headOf, policies, views, spec, temperatures[0]);
    }

    /// <summary>
    /// The student of the finished multi-game run in <paramref name="runPath"/> (its config, <c>summary.json</c> and
    /// checkpoint, or the best validation snapshot it chose) on <paramref name="device"/>: the weights it exported.
    /// </summary>
    public static MultiGameStudent Load(string runPath, Device device)
    {
        var run = RunDirectory.Open(runPath);
        string configPath = run.File(RunDirectory.ConfigFile);
        var summary = Summary(runPath);
        var options = ConfigLoader.Load<DistillOptions>(configPath, []);
        var cards = summary.Games.Select(g => ModelCard.ReadPolicy(MultiGameTrainer.PolicyOf(run.Path, g.Game))).ToArray();
        bool adapters = options.Games.Adapter != InputAdapter.None;
        long[] shape = summary.TorsoShape ?? cards[0].Input.Shape;
        var student = Build(StudentSpec.Parse(options.Student), shape, [.. summary.Games.Select(g => g.Game)], [.. summary.Games.Select(g => g.Actions)],
            [.. cards.Select(c => c.Temperature)], options.Games.Head, options.Seed, CPU, adapters ? [.. cards.Select(c => c.Input.Shape)] : null,
            [.. summary.Games.Select(g => g.HeadMap())]);
        using var adam = new KeptAliveAdam(student.Network.parameters(), 1e-3);
        using var rmsprop = new KeptAliveRmsProp(student.Network.parameters(), 1e-3);
        using var generator = new Generator(0);
        Checkpoint.Load(run.File(Checkpoint.FileName), student.Network, options.Optim.Optimizer == OptimizerKind.RmsProp ? rmsprop : adam, generator);
        ValidationTracker.LoadChosen(student.Network, run.Path, summary);
        student.Network.to(device);
        return student;
    }

    /// <summary>The summary of the finished multi-game run in <paramref name="runPath"/>; refused for any other directory.</summary>
    public static MultiGameSummary Summary(string runPath)
    {
        string configPath = Path.Combine(runPath, RunDirectory.ConfigFile), summaryPath = Path.Combine(runPath, RunDirectory.SummaryFile);
        MultiGameSummary? summary = null;
        try { summary = File.Exists(summaryPath) ? JsonSerializer.Deserialize<MultiGameSummary>(File.ReadAllText(summaryPath), Json.Options) : null; }
        catch (JsonException) { }
        if (!File.Exists(configPath) || summary?.Games is not { Count: > 0 })
            throw new UserErrorException($"'{runPath}' is not a finished multi-game distillation run (needs {RunDirectory.ConfigFile} and a {RunDirectory.SummaryFile} with games)");
        return summary;
    }

    /// <summary>
    /// Copies <paramref name="source"/>'s torso into this student's (the torsos must have one shape), and the head and
    /// adapter of every game both students have under one name with equal shapes; returns the games so taken over.
    /// </summary>
    public IReadOnlyList<string> InitFrom(MultiGameStudent source)
    {
        using var _ = no_grad();
        var from = source.Network.Torso.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in Network.Torso.named_parameters()) p.copy_(from[name]);
        var taken = new List<string>();
        for (int g = 0; g < Games.Count; g++)
        {
            int s = source.Games.ToList().FindIndex(n => string.Equals(n, Games[g], StringComparison.OrdinalIgnoreCase));
            if (s < 0) continue;
            var pairs = new List<(nn.Module To, nn.Module From)> { (Network.Heads[HeadOf[g]], source.Network.Heads[source.HeadOf[s]]) };
            if (Network.Adapters.Count > 0 && source.Network.Adapters.Count > 0) pairs.Add((Network.Adapters[g], source.Network.Adapters[s]));
            if (!pairs.All(m => Shapes(m.To) == Shapes(m.From))) continue;
            foreach (var (to, fromModule) in pairs)
                foreach (var (a, b) in to.parameters().Zip(fromModule.parameters())) a.copy_(b);
            taken.Add(Games[g]);
        }
        return taken;
    }

    private static string Shapes(nn.Module module) => string.Join(";", module.parameters().Select(p => string.Join("x", p.shape)));

    /// <summary>
    /// The policy a shared-head student plays an environment it was not trained on with (zero-shot): the torso, the
    /// shared head and the gather of <paramref name="map"/>'s actions (none when they are the head's outputs). The
    /// environment's actions must lie in the head's action set and its observations must be the torso's (no adapter).
    /// </summary>
    public ModulePolicy ZeroShot(ActionMap map)
    {
        if (Network.Heads.Count != 1 || Games.Count > 1 && HeadOf.Distinct().Count() > 1)
            throw new InvalidOperationException("zero-shot play needs a shared head");
        int headActions = (int)Network.Heads[0].out_features;
        if (map.FullActions != headActions) throw new InvalidOperationException($"{map.Set} is not the shared head's action set ({headActions} actions)");
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>(Network.Torso.named_children().Select(c => (c.name, (nn.Module<Tensor, Tensor>)c.module)))
        {
            ("head", Network.Heads[0]),
        };
        if (!map.IsFull) layers.Add(("gather", new ActionGather(map.Indices, headActions)));
        return new ModulePolicy(nn.Sequential(layers), TorsoShape, map.Indices.Count, _spec.InputScale(TorsoShape), _sharedTemperature);
    }

    /// <summary>Game <paramref name="game"/>'s network: the torso and its head, as one <c>Sequential</c> (for export).</summary>
    public Sequential View(int game) => _views[game];

    /// <inheritdoc />
    public void Dispose() => Network.Dispose();
}
