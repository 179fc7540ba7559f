using SobolevRL.Collection;
using SobolevRL.Config;
using SobolevRL.IO;
using SobolevRL.Replay;
using SobolevRL.Runs;
using static SobolevRL.UserErrorException;
using static TorchSharp.torch;

namespace SobolevRL.Distillation;

/// <summary>What a multi-game distillation job did.</summary>
/// <param name="Run">The run directory.</param>
/// <param name="Summary">Final figures (also in the run's <c>summary.json</c>).</param>
/// <param name="Resumed">The job continued the run from its checkpoint.</param>
public sealed record MultiGameJobResult(RunDirectory Run, MultiGameSummary Summary, bool Resumed);

/// <summary>A game a multi-game run does not train on, scored zero-shot by its snapshot evaluator (<c>games.held_out</c>).</summary>
/// <param name="Game">Game name.</param>
/// <param name="Env">Environment played.</param>
/// <param name="Map">The environment's actions in the shared head's outputs.</param>
/// <param name="Data">Its labelled dataset (<c>games.held_out_data</c>), or null: no dataset metrics.</param>
public sealed record HeldOutGame(string Game, string Env, ActionMap Map, IReplayDataset? Data);

/// <summary>The held-out games of a run (<see cref="MultiGameDistillJob.OpenHeldOut"/>), owning their datasets.</summary>
/// <param name="Games">The games, in the order of <c>games.held_out</c>.</param>
public sealed record HeldOutGames(IReadOnlyList<HeldOutGame> Games) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var g in Games) g.Data?.Dispose();
    }
}

/// <summary>
/// <c>sobolevrl distill --data GAME=SOURCE,…</c>: the multi-game form of <see cref="DistillJob"/> with the same options
/// and start rules. Every check (game list, observation shapes, labels vs the Sobolev term, batch shares, a shared
/// head's action sets, the student's shape) comes before the run directory is created.
/// </summary>
public static class MultiGameDistillJob
{
    /// <summary>Runs the job; every problem a user can fix is a <see cref="UserErrorException"/>.</summary>
    public static MultiGameJobResult Run(DistillJobOptions job, IProgress<ProgressInfo>? progress = null, CancellationToken cancel = default, Action<string>? warn = null)
    {
        var options = DistillJob.ResolveOptions(job);
        if (DistillJob.Resumes(job.Start, job.OutDir) && Directory.Exists(job.OutDir)) FileLock.ThrowIfWriterBusy(job.OutDir!);
        using var data = Open(job, options, warn);
        return Run(options, data, job.OutDir, "distill-games", job.Start, job.Device, progress, cancel, warn);
    }

    /// <summary>Opens the job's games' datasets as <paramref name="options"/> ask (input adapters or not); a job naming one teacher is refused.</summary>
    public static MultiGameDataset Open(DistillJobOptions job, DistillOptions options, Action<string>? warn)
    {
        if (job.TeacherPath is not null)
            throw new UserErrorException($"{Key("teacher")} names one teacher, but {Key("data")} names several games, each labelled by its own teacher; leave out {Key("teacher")}");
        return MultiGameDataset.Open(job.Data, source => DatasetSource.Open(source, warn, job.TrainFraction, job.AllowDamaged),
            options.Games.Adapter != InputAdapter.None);
    }

    /// <summary>
    /// Runs the job with resolved options on opened datasets (experiments that hold both); the held-out games' datasets
    /// (<c>games.held_out_data</c>) are opened here, before the run directory.
    /// </summary>
    public static MultiGameJobResult Run(DistillOptions options, MultiGameDataset data, string? outDir, string runName, DistillStart start,
        Device device, IProgress<ProgressInfo>? progress = null, CancellationToken cancel = default, Action<string>? warn = null)
    {
        Check(options, data);
        using var heldOut = OpenHeldOut(options, data, warn);
        bool resume = DistillJob.Resumes(start, outDir);
        if (start == DistillStart.ResumeIfCheckpointed && !resume && Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        var run = RunDirectory.Create(runName, outDir, resume);
        using var writing = run.LockForWriting();
        var summary = MultiGameTrainer.Train(new MultiGameSetup(options, data, run, device, resume, heldOut.Games), progress, cancel);
        return new MultiGameJobResult(run, summary, resume);
    }

    /// <summary>The checks of a multi-game run that need no run directory.</summary>
    public static void Check(DistillOptions options, MultiGameDataset data)
    {
        var sobolev = options.Loss.SobolevMode();
        if (data.ChannelAdapters != (options.Games.Adapter != InputAdapter.None))
            throw new ArgumentException("the datasets were opened for another games.adapter than the options ask for");
        for (int g = 0; g < data.Games.Count; g++)
        {
            try { DistillationLoss.CheckCompatible(sobolev, data.Datasets[g].Summary.Labels); }
            catch (UserErrorException e) { throw new UserErrorException($"game '{data.Games[g]}': {e.Message}"); }
        }
        _ = MultiGameDataset.Shares(options.Optim.BatchSize, data.Games, options.Games.WeightsOf(data.Games));
        if (options.Games.Head == HeadLayout.Shared)
        {
            var maps = data.Datasets.Select(d => ActionMap.Of(d.Summary.EnvId)).ToArray();
            for (int g = 0; g < data.Games.Count; g++)
                if (maps[g].Indices.Count != data.Datasets[g].Summary.Actions)
                    throw new UserErrorException($"game '{data.Games[g]}': its dataset has {data.Datasets[g].Summary.Actions} actions but {data.Datasets[g].Summary.EnvId} has {maps[g].Indices.Count}; collect it again on that id");
            var first = maps[0];
            for (int g = 1; g < data.Games.Count; g++)
                if (maps[g] is var map && map.Set != first.Set)
                    throw new UserErrorException(
                        $"{Key("games.head")} shared: the games act in different action sets: '{data.Games[0]}' in {first.Set}, '{data.Games[g]}' in {map.Set}; " +
                        $"set {Key("games.head")} separate, or train games of one family (MinAtar ids share the 6 actions, ALE ids the 18)");
        }
        var spec = StudentSpec.Parse(options.Student);
        using (spec.Build(data.ObservationShape, data.Datasets[0].Summary.Actions)) { } // shape errors before the run directory exists
        if (options.Games.Init.Length > 0) CheckInit(options, data);
        _ = HeldOutMaps(options, data);
    }

    /// <summary>
    /// Opens the held-out games of <paramref name="options"/> (<c>games.held_out</c>, <c>games.held_out_data</c>) after the
    /// checks of <see cref="ZeroShotPolicy"/> (the suite's): a shared head without adapters, a game that is not a training
    /// game, actions in the head's set, observations of the torso's shape; each dataset must be of its game's environment.
    /// </summary>
    public static HeldOutGames OpenHeldOut(DistillOptions options, MultiGameDataset data, Action<string>? warn = null)
    {
        var maps = HeldOutMaps(options, data);
        var games = new List<HeldOutGame>();
        try
        {
            foreach (var (source, map) in options.Games.HeldOutGames().Zip(maps))
            {
                string? dataSource = options.Games.HeldOutDataOf(source.Game);
                var dataset = dataSource is null ? null : DatasetSource.Open(dataSource, warn);
                games.Add(new HeldOutGame(source.Game, source.Source, map, dataset));
                if (dataset is not null && dataset.Summary.EnvId != source.Source)
                    throw new UserErrorException(
                        $"{Key("games.held_out_data")}: game '{source.Game}' has a dataset of {dataset.Summary.EnvId}, but {Key("games.held_out")} plays {source.Source}; give a dataset collected on {source.Source}");
            }
            return new HeldOutGames(games);
        }
        catch
        {
            foreach (var g in games) g.Data?.Dispose();
            throw;
        }
    }

    // The held-out games' actions in the shared head (ZeroShotPolicy.Check, the checks of eval --games --held-out).
    private static ActionMap[] HeldOutMaps(DistillOptions options, MultiGameDataset data)
    {
        var heldOut = options.Games.HeldOutGames();
        if (heldOut.Count == 0) return [];
        string trainedEnv = data.Datasets[0].Summary.EnvId;
        int headActions = options.Games.Head == HeadLayout.Shared ? ActionMap.Of(trainedEnv).FullActions : 0;
        const string source = "this run";
        return [.. heldOut.Select(h =>
        {
            ZeroShotPolicy.CheckHeldOut("games.held_out", h.Game, data.Games, source);
            return ZeroShotPolicy.Check(h.Source, source, options.Games.Head, trainedEnv, headActions, options.Games.Adapter != InputAdapter.None, data.ObservationShape);
        })];
    }

    // games.init: a finished multi-game run of the same student spec whose torso takes the games' observations (as they
    // are, or through adapters when the games' channels differ from its torso's).
    private static void CheckInit(DistillOptions options, MultiGameDataset data)
    {
        string init = options.Games.Init;
        if (!Directory.Exists(init)) throw new UserErrorException($"{Key("games.init")} '{init}' does not exist; give a finished multi-game distillation run directory");
        var initOptions = ConfigLoader.Load<DistillOptions>(Path.Combine(init, RunDirectory.ConfigFile), []);
        if (initOptions.Student != options.Student)
            throw new UserErrorException($"{Key("games.init")} '{init}' trained student {initOptions.Student}, this run asks for {options.Student}; set {Key("student")} {initOptions.Student}");
        using var source = MultiGameStudent.Load(init, CPU);
        bool fits = data.ChannelAdapters
            ? source.TorsoShape[1..].SequenceEqual(data.ObservationShape[1..])
            : source.TorsoShape.SequenceEqual(data.ObservationShape);
        if (!fits)
            throw new UserErrorException(
                $"{Key("games.init")} '{init}': its torso takes [{string.Join(", ", source.TorsoShape)}], the games here give [{string.Join(", ", data.ObservationShape)}]; " +
                (data.ChannelAdapters ? "the adapters map channels only" : $"declare {Key("games.adapter")}=conv1x1 when the channels differ"));
    }
}
