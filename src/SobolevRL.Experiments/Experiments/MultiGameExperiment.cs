using System.Globalization;
using System.Text.Json;
using SobolevRL.Distillation;
using SobolevRL.Evaluation;
using SobolevRL.IO;
using SobolevRL.Replay;
using SobolevRL.Runs;
using SobolevRL.Teachers;
using static TorchSharp.torch;

namespace SobolevRL.Experiments;

/// <summary>One game of one student of the multi-game experiment.</summary>
/// <param name="Kind"><c>multi</c> (trained on every training game), <c>single</c> (one training game),
/// <c>few-scratch</c> or <c>few-multi</c> (the held-out game's k%, from fresh weights or from the multi-game student).</param>
/// <param name="Student">Student spec.</param>
/// <param name="Loss"><c>regular</c> or <c>sobolev</c>.</param>
/// <param name="Seed">Seed of the student.</param>
/// <param name="Percent">Few-shot: percent of the held-out game's training split (NaN otherwise).</param>
/// <param name="Game">Game scored.</param>
/// <param name="Split"><c>trained</c>, or <c>zero-shot</c> for the held-out game played by a shared head never trained on it.</param>
/// <param name="Kl">KL(teacher ‖ student) on the game's held-out states.</param>
/// <param name="Agreement">Arg-max agreement on them.</param>
/// <param name="GradientError">Relative gradient-label error on them.</param>
/// <param name="ReturnMean">Mean greedy return (NaN without episodes).</param>
/// <param name="PercentOfTeacher">100 · return / the teacher's return under the same protocol and seeds (NaN when undefined).</param>
/// <param name="Parameters">Parameters of the whole student (torso, adapters, every head).</param>
/// <param name="TrainStates">Training states of the game.</param>
/// <param name="Steps">Optimiser steps.</param>
/// <param name="CpuSeconds">CPU seconds of the training loop.</param>
/// <param name="Run">Run directory, relative to the experiment's (with <c>lambda_grid</c>, a Sobolev student's is its chosen trial's).</param>
/// <param name="Lambda">Weight λ of the Sobolev term the student trained with (0 for Regular; with <c>lambda_grid</c> the one
/// chosen on validation, which may be 0; NaN in rows recorded before it was).</param>
public sealed record MultiGameRow(string Kind, string Student, string Loss, long Seed, double Percent, string Game, string Split,
    double Kl, double Agreement, double GradientError, double ReturnMean, double PercentOfTeacher, long Parameters, long TrainStates, long Steps,
    double CpuSeconds, string Run, double Lambda = double.NaN);

/// <summary>Everything the multi-game experiment measured (<c>summary.json</c>).</summary>
/// <param name="Games">Training games.</param>
/// <param name="HeldOut">Held-out game.</param>
/// <param name="Envs">Environment of every game (its teacher's card).</param>
/// <param name="Teachers">Teacher file of every game.</param>
/// <param name="TeacherReturns">Every teacher's returns under the protocol (empty without episodes).</param>
/// <param name="Protocol">Evaluation protocol of the returns.</param>
/// <param name="Rows">One row per student and game.</param>
public sealed record MultiGameExperimentResult(IReadOnlyList<string> Games, string HeldOut, IReadOnlyDictionary<string, string> Envs,
    IReadOnlyDictionary<string, string> Teachers, IReadOnlyDictionary<string, ReturnStatistics> TeacherReturns, string Protocol, IReadOnlyList<MultiGameRow> Rows);

/// <summary>One student run of the experiment, in the order they train (few-shot runs after the multi-game run they start from).</summary>
/// <param name="Name">Directory name under <c>runs/</c>.</param>
/// <param name="Kind">See <see cref="MultiGameRow.Kind"/>.</param>
/// <param name="Student">Student spec.</param>
/// <param name="Loss">regular or sobolev.</param>
/// <param name="Seed">Seed index (0-based; the run's seed is <c>distill.seed</c> + this).</param>
/// <param name="Games">Games trained on.</param>
/// <param name="Percent">Percent of the training split (100 except few-shot).</param>
/// <param name="Init">Run name whose student starts this one (empty: fresh weights).</param>
public sealed record MultiGameStudentPlan(string Name, string Kind, string Student, string Loss, long Seed, IReadOnlyList<string> Games, double Percent, string Init);

/// <summary>
/// The multi-game experiment of issue 14: records (or reuses) one dataset per game with its shipped teacher; trains
/// Regular and Sobolev multi-game students (<see cref="MultiGameDistillJob"/>) of every size on the training games, and
/// single-game students of the first size on each; scores every game of every student (held-out states and episodes
/// through <see cref="MultiGameSuite"/>, zero-shot on the held-out game when the student has a shared head); runs the
/// few-shot transfer to the held-out game from the multi-game student (<c>games.init</c>) and from scratch; writes
/// <see cref="MultiGameExperimentReport"/>. Finished students are kept: a killed experiment resumes where it stopped.
/// </summary>
public static class MultiGameExperiment
{
    /// <summary>File of a finished student's rows inside its run directory.</summary>
    public const string RowsFile = "rows.json";

    /// <summary>
    /// The <see cref="ExperimentShard"/> group of <paramref name="plan"/>: its (seed, loss), so that a few-shot run is in
    /// the group of the multi-game run it starts from, and a λ search's trials stay together.
    /// </summary>
    public static long ShardGroup(MultiGameStudentPlan plan) => plan.Seed * 2 + (plan.Loss == "regular" ? 0 : 1);

    /// <summary>The students of <paramref name="o"/>, in training order.</summary>
    public static IReadOnlyList<MultiGameStudentPlan> Plan(MultiGameExperimentOptions o)
    {
        var plans = new List<MultiGameStudentPlan>();
        string[] losses = ["regular", "sobolev"], specs = o.StudentSpecs();
        for (long seed = 0; seed < o.Seeds; seed++)
            foreach (string loss in losses)
            {
                for (int s = 0; s < specs.Length; s++)
                    plans.Add(new($"multi-{SpecName(specs[s])}-{loss}-s{seed}", "multi", specs[s], loss, seed, o.Games, 100, ""));
                if (o.SingleGame)
                    foreach (string game in o.Games)
                        plans.Add(new($"single-{game}-{SpecName(specs[0])}-{loss}-s{seed}", "single", specs[0], loss, seed, [game], 100, ""));
                string multi = $"multi-{SpecName(specs[0])}-{loss}-s{seed}";
                foreach (double k in o.FewShot.Order())
                {
                    string p = k.ToString("G6", CultureInfo.InvariantCulture);
                    plans.Add(new($"few-scratch-{loss}-p{p}-s{seed}", "few-scratch", specs[0], loss, seed, [o.HeldOut], k, ""));
                    plans.Add(new($"few-multi-{loss}-p{p}-s{seed}", "few-multi", specs[0], loss, seed, [o.HeldOut], k, multi));
                }
            }
        return plans;
    }

    // Fractions are taken in whole episodes, so with few held-out-game episodes two values of k can select the same
    // states (e.g. 5% and 10% of 8000 asterix states are both one episode): their students are then identical.
    private static void WarnOfFewShotFractionsWithTheSameData(MultiGameExperimentOptions o, string heldOutData, Action<string>? log)
    {
        if (log is null || o.FewShot.Length < 2) return;
        foreach (var same in DatasetFraction.SameStates(DatasetFraction.Measure(heldOutData, o.FewShot)))
            log(string.Create(CultureInfo.InvariantCulture,
                $"warning: few-shot {string.Join(", ", same.Select(s => $"{s.Percent:G6}%"))} of {o.HeldOut} select the same {same.Key} training states, so their students are identical; record more states ({UserErrorException.Key("states")}) or choose other {UserErrorException.Key("few_shot")} values"));
    }

    /// <summary>
    /// Runs (or continues) the experiment in <paramref name="outDir"/>. With <paramref name="shard"/> only that part's
    /// students are trained and null is returned (no report): a later run without a shard finds them finished and reports.
    /// </summary>
    public static MultiGameExperimentResult? Run(MultiGameExperimentOptions o, string outDir, Device device, IProgress<ProgressInfo>? progress = null,
        CancellationToken cancel = default, Action<string>? log = null, ExperimentShard? shard = null)
    {
        o.Validate("");
        var teachers = o.ResolveTeachers();
        var envs = teachers.ToDictionary(t => t.Key, t => ModelCard.ReadPolicy(t.Value).Env, StringComparer.OrdinalIgnoreCase);
        string[] all = [.. o.Games, o.HeldOut];
        bool zeroShot = ZeroShot(o, envs);

        var data = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var teacherReturns = new Dictionary<string, ReturnStatistics>(StringComparer.OrdinalIgnoreCase);
        // Parts of one experiment (shards) start together: one of them records the datasets and plays the teachers, the others wait.
        using (shard is null ? null : ExperimentShard.SetupLock(outDir, cancel))
        {
            string store = o.Datasets.Length > 0 ? o.Datasets : Path.Combine(outDir, "datasets");
            Directory.CreateDirectory(store);
            for (int i = 0; i < all.Length; i++)
            {
                string game = all[i];
                progress?.Report(new ProgressInfo("multi-game", i, all.Length, "datasets"));
                var plan = new DatasetPlan { Env = envs[game], Teacher = teachers[game], States = o.States, Labels = o.Labels, Seed = o.DataSeed };
                string hash = plan.ContentHash();
                data[game] = Path.Combine(store, hash);
                // Experiments sharing the store record each dataset once: the others wait for the lock, then reuse it.
                using (FileLock.Acquire(Path.Combine(store, hash + ".lock"), TimeSpan.FromMilliseconds(250), cancel,
                           () => log?.Invoke($"dataset {hash} ({game}) is being recorded by another process; waiting")))
                    plan.Ensure(data[game], device, progress, cancel);
            }

            if (o.Episodes > 0)
                foreach (string game in all) teacherReturns[game] = TeacherReturns(teachers[game], o.Episodes, Path.Combine(outDir, "teachers", game + ".json"));
        }

        WarnOfFewShotFractionsWithTheSameData(o, data[o.HeldOut], log);
        var plans = Plan(o).Where(p => shard?.Owns(ShardGroup(p)) ?? true).ToArray();
        var rows = new List<MultiGameRow>();
        for (int i = 0; i < plans.Length; i++)
        {
            progress?.Report(new ProgressInfo("multi-game", i, plans.Length, "students"));
            rows.AddRange(Train(o, plans[i], data, envs, teacherReturns, zeroShot, outDir, device, progress, cancel, log));
        }
        progress?.Report(new ProgressInfo("multi-game", plans.Length, plans.Length, "students"));
        if (shard != null) return null;

        string protocol = $"{EvaluationProtocol.Describe(envs[o.Games[0]], EvaluationProtocol.Options(envs[o.Games[0]]))} (each game its own), greedy, {o.Episodes} episodes from seed {EvaluationProtocol.SeedBase}";
        var result = new MultiGameExperimentResult(o.Games, o.HeldOut, envs, teachers, teacherReturns, protocol, rows);
        RunDirectory.WriteAtomic(Path.Combine(outDir, RunDirectory.SummaryFile), Json.Serialize(result));
        MultiGameExperimentReport.Write(result, o, outDir);
        return result;
    }

    /// <summary>
    /// Trains one student (or returns its recorded rows when it finished before) and scores every game it plays: its
    /// training games, and the held-out game zero-shot when a multi-game student has a shared head.
    /// </summary>
    private static List<MultiGameRow> Train(MultiGameExperimentOptions o, MultiGameStudentPlan plan, IReadOnlyDictionary<string, string> data,
        IReadOnlyDictionary<string, string> envs, IReadOnlyDictionary<string, ReturnStatistics> teacherReturns, bool zeroShotGame, string outDir, Device device,
        IProgress<ProgressInfo>? progress, CancellationToken cancel, Action<string>? log)
    {
        string runDir = Path.Combine(outDir, "runs", plan.Name);
        string rowsPath = Path.Combine(runDir, RowsFile);
        if (File.Exists(rowsPath))
            return JsonSerializer.Deserialize<List<MultiGameRow>>(File.ReadAllText(rowsPath), Json.Options)
                ?? throw new UserErrorException($"{rowsPath} is empty; delete it to train the student again");

        // Zero-shot: the multi-game student's snapshot evaluator also plays the held-out game while it trains (its curve in the report).
        bool zeroShot = zeroShotGame && plan.Kind == "multi";
        var options = o.Distill with
        {
            Student = plan.Student,
            Seed = o.Distill.Seed + plan.Seed,
            Loss = o.Distill.Loss with { Sobolev = plan.Loss == "regular" ? "off" : o.Sobolev },
            Optim = o.Distill.Optim with { Steps = o.StepsOf(plan.Kind) },
            Games = o.Distill.Games with
            {
                Init = plan.Init.Length > 0 ? StudentDirectory(outDir, plan.Init) : "",
                HeldOut = zeroShot ? $"{o.HeldOut}={envs[o.HeldOut]}" : "",
                HeldOutData = zeroShot ? $"{o.HeldOut}={data[o.HeldOut]}" : "",
            },
            Logging = zeroShot ? HeldOutCurveLogging(o) : o.Distill.Logging,
        };
        string source = string.Join(",", plan.Games.Select(g => $"{g}={data[g]}"));
        MultiGameSummary summary;
        string studentDir = runDir;
        double lambda = plan.Loss == "regular" ? 0 : options.Loss.Weight;
        using (var games = MultiGameDataset.Open(source, dir => OnDiskDataset.Open(dir, plan.Percent / 100.0, verifyChecksums: false),
                   options.Games.Adapter != InputAdapter.None))
        {
            if (plan.Loss == "sobolev" && o.LambdaGrid.Length > 0)
            {
                // λ on validation: one trial per λ (and 0) in runDir; the student is the chosen trial.
                var search = LambdaSearch.Run(options, o.LambdaGrid, games, runDir, device, progress, cancel);
                (summary, lambda, studentDir) = (search.Chosen.Student, search.Chosen.Lambda, LambdaSearch.TrialDirectory(runDir, search.Chosen.Lambda));
            }
            else summary = MultiGameDistillJob.Run(options, games, runDir, plan.Name, DistillStart.ResumeIfCheckpointed, device, progress, cancel).Summary;
        }

        var suite = MultiGameSuite.Run(new MultiGameSuiteOptions
        {
            Run = studentDir,
            HeldOut = zeroShot ? new Dictionary<string, string> { [o.HeldOut] = envs[o.HeldOut] } : new Dictionary<string, string>(),
            Data = zeroShot ? new Dictionary<string, string> { [o.HeldOut] = data[o.HeldOut] } : new Dictionary<string, string>(),
            Episodes = o.Episodes,
            Device = device,
        });
        var rows = new List<MultiGameRow>();
        foreach (var s in suite)
        {
            var game = summary.Games.FirstOrDefault(g => string.Equals(g.Game, s.Game, StringComparison.OrdinalIgnoreCase));
            double kl = game?.HeldOutKl ?? s.Result.HeldOut?.Kl ?? double.NaN;
            double agreement = game?.HeldOutAgreement ?? s.Result.HeldOut?.Agreement ?? double.NaN;
            double gradient = game?.HeldOutGradientError ?? s.Result.HeldOut?.GradientRelativeError ?? double.NaN;
            double percent = ReturnStatistics.PercentOfTeacher(s.Result.Returns, teacherReturns.GetValueOrDefault(s.Game));
            rows.Add(new MultiGameRow(plan.Kind, plan.Student, plan.Loss, options.Seed, plan.Kind.StartsWith("few", StringComparison.Ordinal) ? plan.Percent : double.NaN,
                s.Game, s.Split == "held-out" ? "zero-shot" : "trained", kl, agreement, gradient, s.Result.Returns?.Mean ?? double.NaN, percent,
                summary.StudentParameters, game?.TrainStates ?? 0, summary.Steps, summary.CpuSeconds, Path.GetRelativePath(outDir, studentDir), lambda));
        }
        RunDirectory.WriteAtomic(rowsPath, Json.Serialize(rows));
        log?.Invoke($"{ExperimentShard.TrainedLog} {plan.Name}");
        return rows;
    }

    /// <summary>
    /// Snapshot evaluation of a multi-game student that plays the held-out game zero-shot while it trains: every
    /// <c>distill.logging.eval_every</c> steps (when 0, the default: a tenth of the steps) with
    /// <c>distill.logging.eval_episodes</c> episodes (when 0, the default: <c>episodes</c>), for the report's curve.
    /// </summary>
    public static LoggingOptions HeldOutCurveLogging(MultiGameExperimentOptions o) => o.Distill.Logging with
    {
        EvalEvery = o.Distill.Logging.EvalEvery > 0 ? o.Distill.Logging.EvalEvery : Math.Max(1, o.Distill.Optim.Steps / 10),
        EvalEpisodes = o.Distill.Logging.EvalEpisodes > 0 ? o.Distill.Logging.EvalEpisodes : o.Episodes,
    };

    /// <summary>
    /// The directory of the finished student <paramref name="name"/> (its recorded rows' run: with <c>lambda_grid</c> a
    /// Sobolev student's chosen trial), or <c>OUT/runs/NAME</c> when it has not recorded rows.
    /// </summary>
    private static string StudentDirectory(string outDir, string name)
    {
        string rows = Path.Combine(outDir, "runs", name, RowsFile);
        string run = File.Exists(rows) && JsonSerializer.Deserialize<List<MultiGameRow>>(File.ReadAllText(rows), Json.Options) is [var first, ..]
            ? first.Run : Path.Combine("runs", name);
        return Path.GetFullPath(Path.Combine(outDir, run));
    }


    /// <summary>
    /// Whether the multi-game students play the held-out game zero-shot: with a shared head and no input adapters
    /// (<see cref="ZeroShotPolicy"/>), when every game's observations have one shape (MinAtar: breakout and asterix, 4
    /// channels). A shared head on games of other shapes is refused here, before anything is written.
    /// </summary>
    public static bool ZeroShot(MultiGameExperimentOptions o, IReadOnlyDictionary<string, string> envs)
    {
        if (o.Distill.Games.Head != HeadLayout.Shared || o.Distill.Games.Adapter != InputAdapter.None) return false;
        var shapes = o.Games.Append(o.HeldOut).Select(g =>
        {
            using var env = ActionMap.Make(envs[g]);
            return (Game: g, Shape: string.Join("x", env.ObservationSpace.Shape));
        }).ToArray();
        if (shapes.Select(s => s.Shape).Distinct().Count() > 1)
            throw new UserErrorException(
                $"config {UserErrorException.Key("distill.games.head")} shared without adapters (zero-shot play of {o.HeldOut}) needs one observation shape, but the games have {string.Join(", ", shapes.Select(s => $"{s.Game} {s.Shape}"))}; " +
                $"choose games of one shape (MinAtar breakout and asterix), or set {UserErrorException.Key("distill.games.adapter")} conv1x1 (no zero-shot row)");
        return true;
    }

    private static ReturnStatistics TeacherReturns(string teacher, int episodes, string cache)
    {
        if (File.Exists(cache) && JsonSerializer.Deserialize<ReturnStatistics>(File.ReadAllText(cache), Json.Options) is { } saved && saved.Episodes == episodes)
            return saved;
        var returns = EvalJob.Run(new EvalJobOptions { Policy = teacher, Episodes = episodes }).Returns!;
        Directory.CreateDirectory(Path.GetDirectoryName(cache)!);
        RunDirectory.WriteAtomic(cache, Json.Serialize(returns));
        return returns;
    }

    /// <summary>A student spec as part of a directory name (<c>minatar:8,64</c> → <c>minatar-8x64</c>).</summary>
    public static string SpecName(string spec) => spec.Replace(':', '-').Replace(',', 'x');
}
