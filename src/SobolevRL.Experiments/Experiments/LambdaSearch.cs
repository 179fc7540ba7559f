using System.Globalization;
using SobolevRL.Collection;
using SobolevRL.Config;
using SobolevRL.Distillation;
using SobolevRL.Replay;
using SobolevRL.Runs;
using static TorchSharp.torch;

namespace SobolevRL.Experiments;

/// <summary>One λ of a search: its student and validation figures.</summary>
/// <typeparam name="TStudent">What a trial records: a single-game <see cref="StudentResult"/> or a <see cref="MultiGameSummary"/>.</typeparam>
/// <param name="Lambda">The Sobolev weight (0: the Regular student, Sobolev term off).</param>
/// <param name="Student">The trained student.</param>
public sealed record LambdaTrial<TStudent>(double Lambda, TStudent Student);

/// <summary>A finished λ search.</summary>
/// <typeparam name="TStudent">What a trial records (see <see cref="LambdaTrial{TStudent}"/>).</typeparam>
/// <param name="Chosen">The trial of lowest validation KL (the smaller λ on ties).</param>
/// <param name="Trials">Every trial, by ascending λ.</param>
public sealed record LambdaSearchResult<TStudent>(LambdaTrial<TStudent> Chosen, IReadOnlyList<LambdaTrial<TStudent>> Trials);

/// <summary>
/// Chooses the Sobolev weight λ on data: one student per λ of a grid, each trained on the training split with the same
/// budget, seed and early stopping, and the λ of lowest validation KL is chosen. λ = 0 (the Regular student) is always in
/// the grid, so the chosen student is never worse than Regular on validation. The held-out split plays no part.
/// Each trial is a resumable run in <c>DIR/lambda-λ</c> (<see cref="TrialDirectory"/>), finished when it holds
/// <see cref="StudentRuns.ResultFile"/>; single-game runs (<see cref="DistillJob"/>) and multi-game runs
/// (<see cref="MultiGameDistillJob"/>, the validation KL being the games' KLs weighted by their batch shares) go
/// through the same search.
/// </summary>
public static class LambdaSearch
{
    /// <summary>The default grid: 0 and log-spaced 0.01 … 3.</summary>
    public static IReadOnlyList<double> DefaultGrid { get; } = [0, 0.01, 0.03, 0.1, 0.3, 1, 3];

    /// <summary>
    /// Parses a grid: <c>default</c>, or comma-separated non-negative weights (0 is added when missing). Throws a
    /// <see cref="UserErrorException"/> naming <paramref name="option"/> on bad input.
    /// </summary>
    public static IReadOnlyList<double> ParseGrid(string text, string option)
    {
        if (text.Trim() == "default") return DefaultGrid;
        var values = new List<double>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !(v >= 0) || double.IsInfinity(v))
                throw new UserErrorException($"{option} '{text}': '{part}' is not a non-negative number; give e.g. 0,0.01,0.1,1 or default");
            values.Add(v);
        }
        return Trials(values);
    }

    /// <summary>The λ values a search over <paramref name="grid"/> trains: the grid with 0 (the Regular student), ascending.</summary>
    public static IReadOnlyList<double> Trials(IEnumerable<double> grid) => [.. grid.Append(0).Distinct().Order()];

    /// <summary>
    /// True when a run of <paramref name="options"/> reaches a validation point (validation.every within optim.steps);
    /// without one every trial's validation KL is NaN and a search would silently keep Regular.
    /// </summary>
    public static bool HasValidationPoint(DistillOptions options) =>
        options.Validation.Every > 0 && options.Validation.Every <= options.Optim.Steps;

    /// <summary>Checks that <paramref name="options"/> can be searched (a Sobolev term and a validation split); a user error otherwise.</summary>
    public static void Check(DistillOptions options)
    {
        if (options.Loss.SobolevMode().Kind == Teachers.LabelKind.None)
            throw new UserErrorException("a λ search needs a Sobolev term: set loss.sobolev=full or vjp:K");
        if (options.Validation.Fraction <= 0)
            throw new UserErrorException("a λ search chooses by validation KL: set validation.fraction above 0 (e.g. 0.1)");
        if (!HasValidationPoint(options))
            throw new UserErrorException($"a λ search chooses by validation KL, but validation.every ({options.Validation.Every}) gives no validation point within optim.steps ({options.Optim.Steps}); set validation.every to at most optim.steps");
    }

    /// <summary>The directory of the trial of <paramref name="lambda"/> inside a search's <paramref name="directory"/>.</summary>
    public static string TrialDirectory(string directory, double lambda) =>
        Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"lambda-{lambda:G6}"));

    /// <summary>
    /// The λ search of <c>distill --lambda-search</c> on one dataset: the distillation job's config and dataset, its
    /// checks before the run directory exists, then one student per λ inside that directory.
    /// </summary>
    public static (RunDirectory Run, LambdaSearchResult<StudentResult> Result) Run(DistillJobOptions job, IReadOnlyList<double> grid,
        IProgress<ProgressInfo>? progress = null, CancellationToken cancel = default, Action<string>? warn = null)
    {
        var options = DistillJob.ResolveOptions(job);
        Check(options);
        using var data = DatasetSource.Open(job.Data, warn, job.TrainFraction);
        TeacherInfo? teacher = job.TeacherPath is null ? null : DistillJob.FittingTeacher(job.TeacherPath, data.Summary);
        DistillationLoss.CheckCompatible(options.Loss.SobolevMode(), data.Summary.Labels);
        using (StudentSpec.Parse(options.Student).Build(data.Summary.ObservationShape, data.Summary.Actions)) { } // shape errors before the run directory exists
        var run = Start(job, options);
        return (run, Run(options, grid, data, run.Path, job.Device, teacher, new EpisodePlan(data.Summary.EnvId, 0, 0), progress, cancel));
    }

    /// <summary>
    /// The λ search of <c>distill --data GAME=SOURCE,… --lambda-search</c>: the multi-game job's config and datasets, its
    /// checks (<see cref="MultiGameDistillJob.Check"/>) before the run directory exists, then one student per λ inside it.
    /// </summary>
    public static (RunDirectory Run, LambdaSearchResult<MultiGameSummary> Result) RunMultiGame(DistillJobOptions job, IReadOnlyList<double> grid,
        IProgress<ProgressInfo>? progress = null, CancellationToken cancel = default, Action<string>? warn = null)
    {
        var options = DistillJob.ResolveOptions(job);
        Check(options);
        using var data = MultiGameDistillJob.Open(job, options, warn);
        MultiGameDistillJob.Check(options, data);
        var run = Start(job, options);
        return (run, Run(options, grid, data, run.Path, job.Device, progress, cancel));
    }

    // The search's run directory, created (or resumed) after every check, with the config its trials share.
    private static RunDirectory Start(DistillJobOptions job, DistillOptions options)
    {
        var run = RunDirectory.Create("lambda-search", job.OutDir, DistillJob.Resumes(job.Start, job.OutDir));
        RunDirectory.WriteAtomic(run.File(RunDirectory.ConfigFile), ConfigLoader.ToYaml(options));
        return run;
    }

    /// <summary>
    /// Trains (or resumes) one single-game student per λ of <paramref name="grid"/> and of λ = 0 (added when the grid lacks
    /// it, so the first trial is always the Regular student) in <paramref name="directory"/> and chooses λ by validation KL.
    /// </summary>
    public static LambdaSearchResult<StudentResult> Run(DistillOptions options, IReadOnlyList<double> grid, IReplayDataset data, string directory, Device device,
        TeacherInfo? teacher, EpisodePlan episodes, IProgress<ProgressInfo>? progress = null, CancellationToken cancel = default) =>
        Search(options, grid, directory, (name, o, dir) => StudentRuns.Train(name, o, data, dir, device, teacher, episodes, progress, cancel),
            s => s.Distill.ValidationKl);

    /// <summary>
    /// Trains (or resumes) one multi-game student per λ of <paramref name="grid"/> and of λ = 0 in <paramref name="directory"/>
    /// and chooses λ by validation KL (the games' validation KLs weighted by their batch shares).
    /// </summary>
    public static LambdaSearchResult<MultiGameSummary> Run(DistillOptions options, IReadOnlyList<double> grid, MultiGameDataset data, string directory,
        Device device, IProgress<ProgressInfo>? progress = null, CancellationToken cancel = default) =>
        Search(options, grid, directory,
            (name, o, dir) => StudentRuns.Once(dir, () => MultiGameDistillJob.Run(o, data, dir, name, DistillStart.ResumeIfCheckpointed, device, progress, cancel).Summary),
            s => s.ValidationKl);

    // The search itself, whatever a trial trains: every λ in order (finished trials are read back), then the lowest validation KL.
    private static LambdaSearchResult<T> Search<T>(DistillOptions options, IReadOnlyList<double> grid, string directory,
        Func<string, DistillOptions, string, T> train, Func<T, double> validationKl)
    {
        Check(options);
        var trials = new List<LambdaTrial<T>>();
        foreach (double lambda in Trials(grid))
        {
            var o = lambda == 0
                ? options with { Loss = options.Loss with { Sobolev = "off", Weight = 0 } }
                : options with { Loss = options.Loss with { Weight = lambda } };
            string dir = TrialDirectory(directory, lambda);
            trials.Add(new LambdaTrial<T>(lambda, train(Path.GetFileName(dir), o, dir)));
        }
        if (trials.FirstOrDefault(t => double.IsNaN(validationKl(t.Student))) is { } blind)
            throw new UserErrorException($"the λ search has no validation KL for λ = {blind.Lambda:G4} (its validation split holds no states): record more episodes or raise validation.fraction; the trained trials are kept for {UserErrorException.Key("resume")}");
        var chosen = trials[0];
        foreach (var t in trials.Skip(1))
            if (validationKl(t.Student) < validationKl(chosen.Student)) chosen = t;
        var result = new LambdaSearchResult<T>(chosen, trials);
        RunDirectory.WriteAtomic(Path.Combine(directory, "lambda-search.json"), Json.Serialize(result));
        return result;
    }
}
