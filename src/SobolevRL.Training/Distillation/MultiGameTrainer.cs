using SobolevRL.Evaluation;
using SobolevRL.Hardware;
using SobolevRL.Policies;
using SobolevRL.Replay;
using SobolevRL.Runs;
using SobolevRL.Teachers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SobolevRL.Distillation;

/// <summary>Final figures of one game of a multi-game run.</summary>
/// <param name="Game">Game name.</param>
/// <param name="Env">Environment id of the game's dataset.</param>
/// <param name="Actions">Actions of the game's head.</param>
/// <param name="Head">Index of the game's head (0 for every game with a shared head).</param>
/// <param name="BatchRows">Rows of the game in every batch.</param>
/// <param name="TrainStates">Training states of the game.</param>
/// <param name="HeldOutKl">Held-out KL(teacher ‖ student) on the game's held-out states.</param>
/// <param name="HeldOutAgreement">Held-out arg-max agreement.</param>
/// <param name="HeldOutGradientError">Held-out relative gradient-label error.</param>
/// <param name="OnnxPath">The game's exported policy (torso + its head): <c>student.onnx#GAME</c>, its output of the run's one ONNX file.</param>
/// <param name="OnnxMaxAbsDiff">Largest |ORT − TorchSharp| logit difference of that output on the game's held-out states.</param>
/// <param name="HeadActions">Outputs of the game's head (0 in runs before it was recorded: <paramref name="Actions"/>).</param>
/// <param name="HeadIndices">
/// With a shared head over a full action set: the head output of each of the game's actions (its policy gathers them);
/// null when the game's actions are the head's outputs in order.
/// </param>
public sealed record GameSummary(string Game, string Env, int Actions, int Head, int BatchRows, long TrainStates,
    double HeldOutKl, double HeldOutAgreement, double HeldOutGradientError, string OnnxPath, double OnnxMaxAbsDiff,
    int HeadActions = 0, IReadOnlyList<int>? HeadIndices = null)
{
    /// <summary>The game's actions in its head's outputs, as recorded.</summary>
    public ActionMap HeadMap()
    {
        int head = HeadActions > 0 ? HeadActions : Actions;
        return new ActionMap($"the head's action set ({head} actions)", head, HeadIndices ?? [.. Enumerable.Range(0, Actions)]);
    }
}

/// <summary>Final figures of a held-out game of a multi-game run (<c>games.held_out</c>), played zero-shot.</summary>
/// <param name="Game">Game name.</param>
/// <param name="Env">Environment played.</param>
/// <param name="Step">Step of the weights scored: those the student ends with (<see cref="MultiGameSummary.ChosenStep"/>).</param>
/// <param name="Returns">Greedy episode returns (null without <c>logging.eval_episodes</c>).</param>
/// <param name="Metrics">KL, agreement and gradient error on the held-out states of its dataset (null without <c>games.held_out_data</c>).</param>
public sealed record HeldOutGameSummary(string Game, string Env, long Step, ReturnStatistics? Returns, HeldOutResult? Metrics);

/// <summary>Final figures of a multi-game distillation run (<c>summary.json</c>).</summary>
/// <param name="Student">Student spec.</param>
/// <param name="Head">Head layout.</param>
/// <param name="StudentParameters">Parameters of torso and every head.</param>
/// <param name="Sobolev">The Sobolev term and estimator (or off).</param>
/// <param name="Lambda">Weight λ of the Sobolev term (0 when off).</param>
/// <param name="Steps">Optimiser steps done.</param>
/// <param name="FinalLoss">Total loss of the last step.</param>
/// <param name="TrainSeconds">Wall time of the training loop in this process.</param>
/// <param name="CpuSeconds">CPU time of this process during the training loop.</param>
/// <param name="Games">Per-game figures, in the order of <c>data</c>.</param>
/// <param name="TorsoShape">Observation shape the torso takes (null in runs before it was recorded: the first game's).</param>
/// <param name="InitGames">With <c>games.init</c>: the games whose head (and adapter) came from that run (the torso always does).</param>
/// <param name="ChosenStep">Step whose weights the student ends with (the best validation snapshot, or the last step; 0 in runs before it was recorded).</param>
/// <param name="ValidationKl">Validation KL (the games' KLs weighted by their batch shares) at <paramref name="ChosenStep"/> (NaN without validation).</param>
/// <param name="HeldOutGames">The held-out games scored zero-shot (<c>games.held_out</c>; null or empty without).</param>
public sealed record MultiGameSummary(string Student, string Head, long StudentParameters, string Sobolev, double Lambda, long Steps,
    double FinalLoss, double TrainSeconds, double CpuSeconds, IReadOnlyList<GameSummary> Games, long[]? TorsoShape = null, IReadOnlyList<string>? InitGames = null,
    long ChosenStep = 0, double ValidationKl = double.NaN, IReadOnlyList<HeldOutGameSummary>? HeldOutGames = null) : IDistillSummary;

/// <summary>Everything a multi-game distillation run needs.</summary>
/// <param name="Options">The resolved config.</param>
/// <param name="Data">The games' datasets.</param>
/// <param name="Run">The run directory (new, or the one being resumed).</param>
/// <param name="Device">Training device.</param>
/// <param name="Resume">Continue from the run's checkpoint.</param>
/// <param name="HeldOut">The held-out games of <c>games.held_out</c> (<see cref="MultiGameDistillJob.OpenHeldOut"/>), scored at every snapshot.</param>
public sealed record MultiGameSetup(DistillOptions Options, MultiGameDataset Data, RunDirectory Run, Device Device, bool Resume = false,
    IReadOnlyList<HeldOutGame>? HeldOut = null);

/// <summary>
/// Distils one multi-game student from several games' datasets: game-balanced batches (<see cref="MultiGameSampler"/>),
/// <see cref="MultiGameLoss"/>, the optimiser, checkpoints (resumable to the same weights on CPU) and metrics of
/// <see cref="DistillTrainer"/>; at the end held-out figures per game and one ONNX file per game
/// (<c>student.onnx</c> with one output per game, its card saying which output is which game; with per-game input
/// adapters one file per game). The step loop, batch shards, validation split and snapshot evaluation are those of
/// single-game runs (<see cref="DistillLoop"/>, <see cref="DistillState"/>); what differs is per game. The snapshot
/// evaluation also plays each held-out game (<c>games.held_out</c>) zero-shot through the shared head
/// (<see cref="MultiGameStudent.ZeroShot"/>), rows to <see cref="HeldOutEvalFile"/>.
/// </summary>
public static class MultiGameTrainer
{
    /// <summary>
    /// The policy of <paramref name="game"/> in the finished multi-game run <paramref name="runDir"/>: its output of the
    /// run's one ONNX file (<c>student.onnx#GAME</c>), or, for a run with per-game input adapters (one input shape per
    /// game, and ONNX Runtime feeds every input of a graph), its own file <see cref="OnnxFile"/>.
    /// </summary>
    public static string PolicyOf(string runDir, string game)
    {
        string own = Path.Combine(runDir, OnnxFile(game));
        return File.Exists(own) ? own : ModelCard.GamePath(Path.Combine(runDir, DistillTrainer.OnnxFile), game);
    }

    /// <summary>File name of game <paramref name="game"/>'s own policy in a run with per-game input adapters.</summary>
    public static string OnnxFile(string game) => $"student-{game.ToLowerInvariant()}.onnx";

    /// <summary>Runs (or resumes) the multi-game distillation described by <paramref name="setup"/>.</summary>
    public static MultiGameSummary Train(MultiGameSetup setup, IProgress<ProgressInfo>? progress = null, CancellationToken cancel = default)
    {
        var o = setup.Options;
        var data = setup.Data;
        var summaries = data.Datasets.Select(d => d.Summary).ToArray();
        var sobolev = o.Loss.SobolevMode();
        var spec = StudentSpec.Parse(o.Student);
        var shares = MultiGameDataset.Shares(o.Optim.BatchSize, data.Games, o.Games.WeightsOf(data.Games));
        double[] temperatures = [.. summaries.Select(s => o.Loss.Temperature > 0 ? o.Loss.Temperature : s.Temperature)];

        using var init = o.Games.Init.Length > 0 ? MultiGameStudent.Load(o.Games.Init, CPU) : null;
        var maps = o.Games.Head == HeadLayout.Shared ? summaries.Select(s => ActionMap.Of(s.EnvId)).ToArray() : null;
        using var student = MultiGameStudent.Build(spec, init?.TorsoShape ?? data.ObservationShape, data.Games, [.. summaries.Select(s => s.Actions)], temperatures,
            o.Games.Head, o.Seed, setup.Device, data.ChannelAdapters ? [.. summaries.Select(s => s.ObservationShape)] : null, maps);
        var initGames = init is not null && !setup.Resume ? student.InitFrom(init) : null;
        var heldOutGames = setup.HeldOut ?? [];
        if (heldOutGames.Count != o.Games.HeldOutGames().Count)
            throw new ArgumentException("the run's held-out games (games.held_out) were not opened: MultiGameDistillJob.OpenHeldOut", nameof(setup));
        using var state = DistillState.Open(o, setup.Run, Identity(data), student.Network, setup.Resume,
            [.. data.Games.Select(EvalFile), .. heldOutGames.Select(h => HeldOutEvalFile(h.Game))]);
        if (state.FinishedSummary<MultiGameSummary>(o, setup.Run) is { } finished) return finished;
        var (parameters, directions, position) = (state.Parameters, state.Directions, state.Position);

        var heldOut = data.Datasets.Select(d => d.HeldOut(o.Logging.HeldOutStates, setup.Device)).ToArray();
        // Each game's snapshot evaluator has its own copy of the student (the games' views share the torso, and each
        // evaluator thread loads weights into its copy), weights copied in at each snapshot.
        var evalStudents = data.Games.Select(_ => MultiGameStudent.Build(spec, student.TorsoShape, data.Games, [.. summaries.Select(s => s.Actions)], temperatures,
            o.Games.Head, o.Seed, CPU, data.ChannelAdapters ? [.. summaries.Select(s => s.ObservationShape)] : null, maps)).ToArray();
        // A held-out game's evaluator plays the zero-shot policy over its own copy of the torso and shared head.
        var zeroShotStudents = heldOutGames.Select(_ => MultiGameStudent.Build(spec, student.TorsoShape, data.Games, [.. summaries.Select(s => s.Actions)], temperatures,
            o.Games.Head, o.Seed, CPU, null, maps)).ToArray();
        var heldOutBatches = heldOutGames.Select(h => h.Data?.HeldOut(o.Logging.HeldOutStates, CPU)).ToArray();
        var evaluators = new List<SnapshotEvaluator>();
        var heldOutEvaluators = new List<SnapshotEvaluator>();
        try
        {
            using var sampler = data.OpenSampler(shares, o.Seed, position.SamplerPosition, setup.Device, o.Validation.Fraction);
            using var validation = new ValidationTracker(o.Validation, data.Datasets, [.. shares.Select(n => (double)n)], setup.Run, temperatures, setup.Device, position.Step);
            for (int g = 0; g < data.Games.Count; g++)
                evaluators.Add(new SnapshotEvaluator(evalStudents[g].Policies[g], heldOut[g], temperatures[g], setup.Run.File(EvalFile(data.Games[g])),
                    summaries[g].EnvId, o.Logging.EvalEpisodes));
            for (int h = 0; h < heldOutGames.Count; h++)
            {
                var policy = zeroShotStudents[h].ZeroShot(heldOutGames[h].Map);
                heldOutEvaluators.Add(new SnapshotEvaluator(policy, heldOutBatches[h], policy.Temperature, setup.Run.File(HeldOutEvalFile(heldOutGames[h].Game)),
                    heldOutGames[h].Env, o.Logging.EvalEpisodes));
            }
            var loop = DistillLoop.Run(new DistillLoopParts
            {
                Options = o,
                Run = setup.Run,
                State = state,
                Shards = ShardCount(o, shares, setup.Device),
                SamplerPosition = () => sampler.Position,
                Step = (lambda, shards) =>
                {
                    using var batch = sampler.Next();
                    student.Network.zero_grad(set_to_none: true);
                    var (value, derivative, gameValue, gameSobolev) = Loss(shards, parameters, student, batch, o.Loss, sobolev, temperatures, lambda, directions);
                    var columns = new Dictionary<string, double>();
                    for (int g = 0; g < data.Games.Count; g++)
                    {
                        columns[$"loss_value_{data.Games[g]}"] = gameValue[g];
                        columns[$"loss_sobolev_{data.Games[g]}"] = gameSobolev[g];
                    }
                    return new StepLoss(value, derivative, batch.Size, columns);
                },
                Validation = validation,
                Validate = done => validation.Evaluate(done, student.Policies, student.Network),
                Snapshot = done =>
                {
                    for (int g = 0; g < evaluators.Count; g++) evaluators[g].Submit(done, student.View(g));
                    foreach (var evaluator in heldOutEvaluators) evaluator.Submit(done, student.View(0)); // the shared head's view: torso and head
                },
                Label = $"distill {data.Games.Count} games {spec} sobolev={sobolev}",
            }, progress, cancel);
            long done = loop.Done;
            foreach (var evaluator in evaluators.Concat(heldOutEvaluators)) evaluator.Complete();
            long chosenStep = validation.SelectInto(student.Network, done);
            // The held-out games' figures of the weights the student ends with: the last snapshot's, or (best validation
            // snapshot chosen, or no snapshot in this process) those weights scored the same way.
            var heldOutFinal = heldOutGames.Select((h, i) =>
            {
                var r = heldOutEvaluators[i].Results.LastOrDefault() is { } last && last.Step == done && chosenStep == done ? last : heldOutEvaluators[i].Score(chosenStep, student.View(0));
                return new HeldOutGameSummary(h.Game, h.Env, r.Step, r.Returns, r.HeldOut);
            }).ToArray();

            string onnx = setup.Run.File(DistillTrainer.OnnxFile);
            double[] diffs = data.ChannelAdapters
                ? [.. data.Games.Select((game, g) => StudentExport.Export(student.Policies[g], spec, summaries[g], sobolev, o, setup.Run.File(OnnxFile(game)), heldOut[g]))]
                : StudentExport.ExportGames(data.Games, student.Policies, spec, summaries, sobolev, o, onnx, heldOut);
            var games = new List<GameSummary>();
            for (int g = 0; g < data.Games.Count; g++)
            {
                var final = HeldOutMetrics.Compute(student.Policies[g], heldOut[g], temperatures[g]);
                games.Add(new GameSummary(data.Games[g], summaries[g].EnvId, summaries[g].Actions, student.HeadOf[g], shares[g],
                    sampler.TrainStates[g], final.Kl, final.Agreement, final.GradientRelativeError, PolicyOf(setup.Run.Path, data.Games[g]), diffs[g],
                    (int)student.Network.Heads[student.HeadOf[g]].out_features, maps is not null && maps.Any(m => !m.IsFull) ? maps[g].Recorded : null));
            }
            var result = new MultiGameSummary(spec.ToString(), o.Games.Head.ToString().ToLowerInvariant(), PolicyNetworks.ParameterCount(student.Network),
                sobolev.Kind == LabelKind.None ? "off" : $"{sobolev} ({o.Loss.Estimator.ToString().ToLowerInvariant()})",
                sobolev.Kind == LabelKind.None ? 0 : o.Loss.Weight, done, loop.LastLoss, loop.TrainSeconds, loop.CpuSeconds, games, student.TorsoShape, initGames,
                chosenStep, validation.KlAt(chosenStep), heldOutFinal.Length > 0 ? heldOutFinal : null);
            setup.Run.WriteSummary(result);
            return result;
        }
        finally
        {
            foreach (var evaluator in evaluators.Concat(heldOutEvaluators)) evaluator.Dispose();
            foreach (var e in evalStudents.Concat(zeroShotStudents)) e.Dispose();
            foreach (var h in heldOut) h.Dispose();
            foreach (var b in heldOutBatches) b?.Dispose();
        }
    }

    /// <summary>File name of game <paramref name="game"/>'s snapshot evaluation rows (<see cref="SnapshotEvaluator"/>).</summary>
    public static string EvalFile(string game) => $"eval-{game.ToLowerInvariant()}.csv";

    /// <summary>
    /// File name of held-out game <paramref name="game"/>'s snapshot evaluation rows (<c>games.held_out</c>, zero-shot;
    /// the columns of <see cref="EvalFile"/>, dataset metrics empty without <c>games.held_out_data</c>).
    /// </summary>
    public static string HeldOutEvalFile(string game) => $"eval-held-out-{game.ToLowerInvariant()}.csv";

    /// <summary>
    /// Shards per batch of a multi-game run: <see cref="DistillTrainer.ShardCount"/>, and never more than the fewest rows
    /// a game has in a batch (every shard takes rows of every game).
    /// </summary>
    public static int ShardCount(DistillOptions o, IReadOnlyList<int> shares, Device device) => Math.Min(DistillTrainer.ShardCount(o, device), shares.Min());

    // The combined loss of a game-mixed batch and its gradients, on shards of the batch (each shard a contiguous range of
    // every game's rows), with each game's terms over the whole batch.
    private static (double Value, double Sobolev, double[] GameValue, double[] GameSobolev) Loss(ShardThreads shards, Parameter[] parameters,
        MultiGameStudent student, MultiGameBatch batch, LossOptions options, LabelMode sobolev, double[] temperatures, double lambda, Generator directions)
    {
        int games = batch.Parts.Count;
        int used = (int)Math.Min(shards.Count, batch.Parts.Min(p => p.Size));
        var gameValue = new double[used][];
        var gameSobolev = new double[used][];
        var gameRows = new long[used][];
        using var parts = ShardedBackward.Compute(shards, parameters, batch.Size, used,
            () =>
            {
                var r = MultiGameLoss.Compute(student, batch, options, sobolev, temperatures, lambda, directions);
                (gameValue[0], gameSobolev[0], gameRows[0]) = (r.GameValue, r.GameSobolev, [.. batch.Parts.Select(p => p.Size)]);
                return r.Parts;
            },
            (s, n) =>
            {
                var ranges = batch.Parts.Select(p => ShardThreads.Range(p.Size, n, s)).ToArray();
                var shard = new MultiGameBatch([.. batch.Parts.Select((p, g) => p.Rows(ranges[g].Item1, ranges[g].Item2))]);
                var r = MultiGameLoss.Compute(student, shard, options, sobolev, temperatures, lambda, directions);
                (gameValue[s], gameSobolev[s], gameRows[s]) = (r.GameValue, r.GameSobolev, [.. ranges.Select(x => x.Item2)]);
                return (r.Parts, shard.Size);
            });
        // Game g's term over the whole batch: its shards' terms weighted by their share of the game's rows.
        double[] Combine(double[][] terms) => shards.Count == 1 ? terms[0] : [.. Enumerable.Range(0, games).Select(g =>
            Enumerable.Range(0, used).Sum(s => terms[s][g] * gameRows[s][g] / batch.Parts[g].Size))];
        return (MultiGameLoss.Number(parts.Value), MultiGameLoss.Number(parts.Sobolev), Combine(gameValue), Combine(gameSobolev));
    }

    /// <summary>
    /// The identity of a multi-game run's data: the game list (<c>games</c>) and each game's dataset identity
    /// (<see cref="RunIdentity.Of"/>, keys prefixed <c>games.GAME.</c>); a resume with another game list or other data
    /// is refused naming the key.
    /// </summary>
    public static SortedDictionary<string, string> Identity(MultiGameDataset data)
    {
        var identity = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["games"] = string.Join(",", data.Games) };
        for (int g = 0; g < data.Games.Count; g++)
            foreach (var (key, value) in RunIdentity.Of(data.Datasets[g]))
                identity[$"games.{data.Games[g]}.{key}"] = value;
        return identity;
    }
}
