using System.Globalization;
using System.Text.Json;
using SobolevRL.Distillation;
using SobolevRL.Evaluation;
using SobolevRL.Replay;
using SobolevRL.Runs;
using SobolevRL.Teachers;
using static TorchSharp.torch;

namespace SobolevRL.Experiments;

/// <summary>One student of the data-efficiency experiment.</summary>
/// <param name="Percent">Percent of the training split's states requested.</param>
/// <param name="TrainStates">Training states actually used (whole episodes).</param>
/// <param name="Seed">Seed of the student.</param>
/// <param name="Mode">regular or sobolev.</param>
/// <param name="Kl">Held-out KL(teacher ‖ student).</param>
/// <param name="ActionError">Held-out action-prediction error: 1 − arg-max agreement with the teacher.</param>
/// <param name="GradientError">Held-out relative error of the gradient labels.</param>
/// <param name="ReturnMean">Mean greedy episode return (NaN without episodes).</param>
/// <param name="RunPath">The student's run directory.</param>
/// <param name="Lambda">λ of the student (0 for Regular; the validation-chosen λ with a λ grid).</param>
/// <param name="Steps">Optimiser steps done (fewer than the budget when validation stopped early).</param>
/// <param name="ChosenStep">Step of the kept snapshot (best validation KL).</param>
/// <param name="Epochs">Samples drawn / training states.</param>
/// <param name="TrainSeconds">Wall time of training (under the load of the moment).</param>
/// <param name="CpuSeconds">CPU time of the process during training.</param>
/// <param name="ValidationKl">Validation KL of the kept snapshot (NaN without a validation split).</param>
/// <param name="Trial">False for a λ (or σ) the validation split did not choose: recorded in results.csv, left out of the tables.</param>
public sealed record DataEfficiencyRow(double Percent, long TrainStates, long Seed, string Mode, double Kl, double ActionError, double GradientError, double ReturnMean, string RunPath,
    double Lambda = double.NaN, long Steps = 0, long ChosenStep = 0, double Epochs = double.NaN, double TrainSeconds = double.NaN, double CpuSeconds = double.NaN,
    double ValidationKl = double.NaN, bool Trial = false)
{
    /// <summary>The row of <paramref name="student"/>.</summary>
    public static DataEfficiencyRow Of(double percent, long trainStates, long seed, string mode, double lambda, StudentResult student) =>
        new(percent, trainStates, seed, mode, student.Distill.HeldOutKl, 1 - student.Distill.HeldOutAgreement, student.Distill.HeldOutGradientError,
            student.Returns?.Mean ?? double.NaN, student.RunPath, lambda, student.Distill.Steps, student.Distill.ChosenStep, student.Distill.Epochs,
            student.Distill.TrainSeconds, student.Distill.CpuSeconds, student.Distill.ValidationKl);
}

/// <summary>Everything the data-efficiency experiment measured (<c>summary.json</c>).</summary>
/// <param name="Env">Environment id.</param>
/// <param name="Teacher">Teacher file.</param>
/// <param name="TeacherReturns">Teacher's greedy returns under the same protocol and seeds (null without episodes).</param>
/// <param name="TrainStates">States of the whole training split.</param>
/// <param name="HeldOutStates">Held-out states the students are scored on.</param>
/// <param name="Protocol">Evaluation protocol of the returns.</param>
/// <param name="Rows">One row per student.</param>
public sealed record DataEfficiencyResult(string Env, string Teacher, ReturnStatistics? TeacherReturns, long TrainStates, long HeldOutStates, string Protocol,
    IReadOnlyList<DataEfficiencyRow> Rows);

/// <summary>
/// Paper experiment 2 (Czarnecki et al. 2017, distillation with limited data): records one dataset with the teacher, then
/// for every fraction of its training split and every seed distils a Regular and a Sobolev student with identical
/// settings, scores them on the held-out episodes' states (KL, action-prediction error, gradient error) and in greedy
/// episodes, and writes a table and plots. With <see cref="DataEfficiencyOptions.LambdaGrid"/> the Sobolev student is the
/// <see cref="LambdaSearch"/> winner on validation and the Regular one is its λ = 0 trial. Killed runs resume (see
/// <see cref="StudentRuns.Train"/>).
/// </summary>
public static class DataEfficiencyExperiment
{
    /// <summary>
    /// Runs (or continues) the experiment in <paramref name="outDir"/>. With <paramref name="shard"/> only that part's
    /// (fraction, seed) groups are trained (a group's students stay in one process: they share the λ choice and, under an
    /// equal-time budget, the wall time) and null is returned: a later run without a shard finds them finished and reports.
    /// </summary>
    public static DataEfficiencyResult? Run(DataEfficiencyOptions o, string outDir, Device device, IProgress<ProgressInfo>? progress = null, CancellationToken cancel = default,
        Action<string>? warn = null, ExperimentShard? shard = null)
    {
        o.Validate("");
        string teacherPath = ShippedAgents.Resolve(o.Data.Teacher);
        string datasetDir = Path.Combine(outDir, "dataset");
        var plan = new EpisodePlan(o.Data.Env, o.Episodes, o.MaxEpisodeSteps);
        ReturnStatistics? teacherReturns;
        // Parts started together: one of them records the dataset and plays the teacher, the others wait and reuse them.
        using (shard is null ? null : ExperimentShard.SetupLock(outDir, cancel))
        {
            o.Data.Ensure(datasetDir, device, progress, cancel);
            teacherReturns = o.Episodes > 0 ? TeacherReturns(teacherPath, plan, Path.Combine(outDir, "teacher.json")) : null;
        }

        long teacherParameters;
        DatasetSummary whole;
        using (var full = OnDiskDataset.Open(datasetDir, verifyChecksums: true))
        using (var teacher = TeacherLoader.Load(teacherPath, CPU))
        {
            TeacherFit.Check(teacher, teacherPath, full.Summary);
            teacherParameters = teacher.Graph.ParameterCount;
            whole = full.Summary;
        }
        var info = new TeacherInfo(teacherPath, teacherParameters);
        if (warn != null)
            foreach (string w in SmallDataWarnings(o, datasetDir, Math.Min(whole.HeldOutStates, o.Distill.Logging.HeldOutStates))) warn(w);

        var rows = new List<DataEfficiencyRow>();
        var forms = o.FormGrid.Select(DataEfficiencyOptions.ParseFormEntry).ToArray();
        var fractions = o.Fractions.Order().ToArray();
        // A (fraction, seed) group is this process's: every group without a shard, else the shard's.
        bool Mine(int fraction, long seed) => shard?.Owns(fraction * (long)o.Seeds + seed) ?? true;
        long groups = Enumerable.Range(0, fractions.Length).Sum(f => Enumerable.Range(0, o.Seeds).Count(s => Mine(f, s)));
        long runs = groups * (o.LambdaGrid.Length > 0 ? 1L : StudentsPerFractionAndSeed(o)), done = 0;
        for (int f = 0; f < fractions.Length; f++)
        {
            double percent = fractions[f];
            if (!Enumerable.Range(0, o.Seeds).Any(s => Mine(f, s))) continue;
            using var data = OnDiskDataset.Open(datasetDir, percent / 100.0, verifyChecksums: false);
            for (long seed = 0; seed < o.Seeds; seed++)
            {
                if (!Mine(f, seed)) continue;
                if (forms.Length > 0 || o.NoiseGrid.Length > 0)
                {
                    rows.AddRange(CompareForms(o, forms, percent, seed, data, outDir, device, info, plan, () => progress?.Report(new ProgressInfo("data-efficiency", ++done, runs, "students")), progress, cancel));
                    continue;
                }
                if (o.LambdaGrid.Length > 0)
                {
                    progress?.Report(new ProgressInfo("data-efficiency", done, runs, "λ searches"));
                    var searchOptions = o.Distill with { Seed = o.Distill.Seed + seed, Loss = o.Distill.Loss with { Sobolev = o.Sobolev } };
                    string searchName = string.Create(CultureInfo.InvariantCulture, $"p{percent:G6}-s{seed}-search");
                    var search = LambdaSearch.Run(searchOptions, o.LambdaGrid, data, Path.Combine(outDir, "runs", searchName), device, info, plan, progress, cancel);
                    rows.Add(DataEfficiencyRow.Of(percent, data.Summary.TrainStates, searchOptions.Seed, "regular", 0, search.Trials[0].Student));
                    rows.Add(DataEfficiencyRow.Of(percent, data.Summary.TrainStates, searchOptions.Seed, "sobolev", search.Chosen.Lambda, search.Chosen.Student));
                    progress?.Report(new ProgressInfo("data-efficiency", ++done, runs, "λ searches"));
                    continue;
                }
                DataEfficiencyRow? sobolev = null;
                // Under an equal-time (CPU) budget the Sobolev student trains first and sets its Regular pair's time.
                var order = o.Budget != BudgetKind.EqualSteps ? new[] { ("sobolev", o.Sobolev), ("regular", "off") } : [("regular", "off"), ("sobolev", o.Sobolev)];
                foreach (var (mode, term) in order)
                {
                    progress?.Report(new ProgressInfo("data-efficiency", done, runs, "students"));
                    var options = o.Distill with { Seed = o.Distill.Seed + seed, Loss = o.Distill.Loss with { Sobolev = term } };
                    if (mode == "regular" && sobolev != null) options = WithBudgetOf(options, o.Budget, [sobolev]);
                    string name = string.Create(CultureInfo.InvariantCulture, $"p{percent:G6}-s{seed}-{mode}");
                    var r = StudentRuns.Train(name, options, data, Path.Combine(outDir, "runs", name), device, info, plan, progress, cancel);
                    rows.Add(DataEfficiencyRow.Of(percent, data.Summary.TrainStates, options.Seed, mode, mode == "regular" ? 0 : options.Loss.Weight, r));
                    if (mode == "sobolev") sobolev = rows[^1];
                    progress?.Report(new ProgressInfo("data-efficiency", ++done, runs, "students"));
                }
            }
        }
        if (shard != null) return null;
        string protocol = $"{EvaluationProtocol.Describe(o.Data.Env, EvaluationProtocol.Options(o.Data.Env))}, greedy, {o.Episodes} episodes from seed {EvaluationProtocol.SeedBase}"
            + (o.MaxEpisodeSteps > 0 ? $", cut at {o.MaxEpisodeSteps} steps" : "");
        long heldOut = Math.Min(whole.HeldOutStates, o.Distill.Logging.HeldOutStates);
        var result = new DataEfficiencyResult(o.Data.Env, teacherPath, teacherReturns, whole.TrainStates, heldOut, protocol, rows);
        RunDirectory.WriteAtomic(Path.Combine(outDir, RunDirectory.SummaryFile), Json.Serialize(result));
        DataEfficiencyReport.Write(result, o, outDir);
        return result;
    }

    // One fraction and seed of the form comparison: the Regular student, then per form (and for the noise control) one
    // student per λ (σ), the one of lowest validation KL marked chosen and the others kept as trials.
    private static List<DataEfficiencyRow> CompareForms(DataEfficiencyOptions o, (Sobolev.DerivativeForm Form, double[] Lambdas)[] forms, double percent, long seed,
        IReplayDataset data, string outDir, Device device, TeacherInfo info, EpisodePlan plan, Action done, IProgress<ProgressInfo>? progress, CancellationToken cancel)
    {
        var rows = new List<DataEfficiencyRow>();
        var baseOptions = o.Distill with { Seed = o.Distill.Seed + seed };
        DataEfficiencyRow Train(string mode, string suffix, double weight, DistillOptions options)
        {
            string name = string.Create(CultureInfo.InvariantCulture, $"p{percent:G6}-s{seed}-{suffix}");
            var r = StudentRuns.Train(name, options, data, Path.Combine(outDir, "runs", name), device, info, plan, progress, cancel);
            done();
            return DataEfficiencyRow.Of(percent, data.Summary.TrainStates, options.Seed, mode, weight, r);
        }
        void Choose(List<DataEfficiencyRow> trials)
        {
            var best = trials.MinBy(t => double.IsNaN(t.ValidationKl) ? double.PositiveInfinity : t.ValidationKl)!;
            rows.AddRange(trials.Select(t => ReferenceEquals(t, best) ? t : t with { Trial = true }));
        }

        rows.Add(Train("regular", "regular", 0, baseOptions with { Loss = baseOptions.Loss with { Sobolev = "off" } }));
        foreach (var (form, lambdas) in forms)
        {
            string mode = form.ToString().ToLowerInvariant();
            Choose(lambdas.Select(l => Train(mode, string.Create(CultureInfo.InvariantCulture, $"{mode}-l{l:G6}"), l,
                baseOptions with { Loss = baseOptions.Loss with { Sobolev = o.Sobolev, DerivativeForm = form, Weight = l } })).ToList());
        }
        if (o.NoiseGrid.Length > 0)
            Choose(o.NoiseGrid.Select(sigma => Train("noise", string.Create(CultureInfo.InvariantCulture, $"noise-{sigma:G6}"), sigma,
                baseOptions with { Loss = baseOptions.Loss with { Sobolev = "off", InputNoise = sigma } })).ToList());
        if (o.Budget != BudgetKind.EqualSteps)
        {
            // The control for Sobolev training's cost: Regular given the time of the longest-training chosen form.
            var chosen = rows.Where(r => !r.Trial && r.Mode is not ("regular" or "noise")).ToArray();
            string mode = BudgetMode(o.Budget);
            rows.Add(Train(mode, mode, 0, WithBudgetOf(baseOptions with { Loss = baseOptions.Loss with { Sobolev = "off" } }, o.Budget, chosen)));
        }
        return rows;
    }

    /// <summary>The mode of the Regular student trained under <paramref name="budget"/> beside the forms (regular-time, regular-cpu).</summary>
    public static string BudgetMode(BudgetKind budget) => budget == BudgetKind.EqualCpu ? "regular-cpu" : "regular-time";

    // A Regular student's options under an equal-time (CPU) budget: up to 20× the steps, stopped once it has used as much
    // wall (CPU) time as the longest of the given Sobolev students.
    private static DistillOptions WithBudgetOf(DistillOptions regular, BudgetKind budget, IReadOnlyList<DataEfficiencyRow> sobolev)
    {
        double seconds = sobolev.Max(s => budget == BudgetKind.EqualCpu ? s.CpuSeconds : s.TrainSeconds);
        // 0 would mean "no limit": a Sobolev run without a recorded time (finished by a resumed process of an older version).
        if (!(seconds > 0) || double.IsInfinity(seconds))
            throw new UserErrorException($"budget: the Sobolev students of {Path.GetFileName(sobolev[0].RunPath)} recorded no training time, so their Regular pair cannot be timed; train them again or use budget=equal_steps");
        return regular with
        {
            Optim = budget == BudgetKind.EqualCpu
                ? regular.Optim with { Steps = regular.Optim.Steps * 20, MaxCpuSeconds = seconds }
                : regular.Optim with { Steps = regular.Optim.Steps * 20, MaxSeconds = seconds },
        };
    }

    /// <summary>
    /// Students trained per fraction and seed: Regular and Sobolev; with a λ grid one per λ (0 included); with the form
    /// comparison one Regular, one per (form, λ), one per noise σ and, under an equal-time (CPU) budget, the longer Regular.
    /// </summary>
    public static long StudentsPerFractionAndSeed(DataEfficiencyOptions o) =>
        o.FormGrid.Length > 0 || o.NoiseGrid.Length > 0
            ? 1L + o.FormGrid.Sum(e => DataEfficiencyOptions.ParseFormEntry(e).Lambdas.Length) + o.NoiseGrid.Length + (o.Budget != BudgetKind.EqualSteps ? 1 : 0)
        : o.LambdaGrid.Length > 0 ? LambdaSearch.Trials(o.LambdaGrid).Count
        : 2L;

    /// <summary>Fewer training episodes than this in a fraction: its students depend on which episodes they are.</summary>
    public const int MinEpisodesPerFraction = 10;

    /// <summary>Fewer held-out states than this: agreement and KL are too coarse to separate students.</summary>
    public const int MinHeldOutStates = 1000;

    /// <summary>
    /// Warnings about data too small for the experiment to say much: fractions with fewer than
    /// <see cref="MinEpisodesPerFraction"/> episodes, fractions that select the same episodes, and a held-out set of
    /// fewer than <see cref="MinHeldOutStates"/> states.
    /// </summary>
    public static IReadOnlyList<string> SmallDataWarnings(DataEfficiencyOptions o, string datasetDir, long heldOutStates)
    {
        var warnings = new List<string>();
        var episodes = DatasetFraction.Measure(datasetDir, o.Fractions);
        foreach (var f in episodes.Where(f => f.Episodes < MinEpisodesPerFraction))
            warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"warning: fraction {f.Percent:G6}% holds {f.Episodes} training episode(s) ({f.States} states), fewer than {MinEpisodesPerFraction}: its students depend on which episodes these are; record more states (data.states)"));
        foreach (var same in DatasetFraction.SameStates(episodes))
            warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"warning: fractions {string.Join(", ", same.Select(f => $"{f.Percent:G6}%"))} select the same {same.First().Episodes} episode(s) ({same.Key} states): their rows train on identical data"));
        if (heldOutStates < MinHeldOutStates)
            warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"warning: {heldOutStates} held-out states, fewer than {MinHeldOutStates}: one state moves agreement by {100.0 / Math.Max(1, heldOutStates):G2} points; record more states or raise data.held_out_fraction"));
        return warnings;
    }

    private static ReturnStatistics TeacherReturns(string teacherPath, EpisodePlan plan, string cache)
    {
        if (File.Exists(cache))
        {
            var saved = JsonSerializer.Deserialize<ReturnStatistics>(File.ReadAllText(cache), Json.Options);
            if (saved != null && saved.Episodes == plan.Episodes) return saved;
        }
        var returns = StudentRuns.Play(teacherPath, plan);
        RunDirectory.WriteAtomic(cache, Json.Serialize(returns));
        return returns;
    }
}
