using System.Globalization;
using System.Text.Json;
using SobolevRL.Config;
using SobolevRL.Evaluation;
using SobolevRL.Hardware;
using SobolevRL.Runs;
using static TorchSharp.torch;

namespace SobolevRL.SyntheticGradients;

/// <summary>Final test accuracy of one kind at one split over seeds, with its cost.</summary>
/// <param name="Split">Cuts joined by '+'.</param>
/// <param name="Kind">Kind of cut.</param>
/// <param name="Seeds">Runs summarised.</param>
/// <param name="Settings">Hyper-parameters used (chosen on the validation split when tuning).</param>
/// <param name="Accuracy">Mean final test accuracy, %.</param>
/// <param name="CiLow">Lower end of its 95% Student-t interval (NaN with one seed).</param>
/// <param name="CiHigh">Upper end of its 95% Student-t interval.</param>
/// <param name="CpuSecondsPerStep">Mean CPU time of the training thread per step.</param>
/// <param name="MillisecondsPerStep">Mean wall-clock training time per step.</param>
/// <param name="GradientCosines">Per cut from the lowest up, mean cosine between synthetic and true ∂L/∂h over the last evaluation window (empty for backprop).</param>
public sealed record KindSummary(string Split, string Kind, int Seeds, Hyperparameters Settings, double Accuracy, double CiLow, double CiHigh,
    double CpuSecondsPerStep, double MillisecondsPerStep, double[] GradientCosines);

/// <summary>A paired comparison of two kinds at one split: same seeds, so same initialisation and batches.</summary>
/// <param name="Split">Cuts joined by '+'.</param>
/// <param name="Kind">The kind compared.</param>
/// <param name="Baseline">The kind it is compared with.</param>
/// <param name="Difference">Mean of (kind − baseline) final test accuracy over seeds, percentage points.</param>
/// <param name="CiLow">Lower end of the 95% Student-t interval of the mean difference (NaN with one seed).</param>
/// <param name="CiHigh">Upper end.</param>
/// <param name="P">Two-sided p-value of the paired t-test (NaN with one seed or no spread).</param>
/// <param name="Wins">Seeds on which the kind is more accurate than the baseline.</param>
/// <param name="Seeds">Seeds compared.</param>
public sealed record PairedComparison(string Split, string Kind, string Baseline, double Difference, double CiLow, double CiHigh, double P, int Wins, int Seeds);

/// <summary>One point of the tuning grid of a kind at a split, scored on the validation split.</summary>
/// <param name="Split">Cuts joined by '+'.</param>
/// <param name="Kind">Kind of cut.</param>
/// <param name="Settings">The grid point.</param>
/// <param name="ValidationAccuracy">Validation accuracy after the last step, %.</param>
/// <param name="Chosen">True for the best point of its kind and split (the first of equals), used for the measurement.</param>
public sealed record TuningPoint(string Split, string Kind, Hyperparameters Settings, double ValidationAccuracy, bool Chosen);

/// <summary>Everything the experiment measured (<c>summary.json</c>, and the command's <c>--json</c>).</summary>
/// <param name="Options">The resolved config.</param>
/// <param name="TrainExamples">Training examples used.</param>
/// <param name="ValidationExamples">Validation examples tuned on (0 without tuning).</param>
/// <param name="TestExamples">Test examples scored.</param>
/// <param name="Tuning">Every tuning run's score (empty without tuning).</param>
/// <param name="Summary">Per split and kind.</param>
/// <param name="Comparisons">The Sobolev critic against each other kind, paired by seed.</param>
/// <param name="Runs">Every measured run with its curve.</param>
public sealed record SyntheticGradientResult(SyntheticGradientOptions Options, long TrainExamples, long ValidationExamples, long TestExamples,
    IReadOnlyList<TuningPoint> Tuning, IReadOnlyList<KindSummary> Summary, IReadOnlyList<PairedComparison> Comparisons, IReadOnlyList<SyntheticGradientRun> Runs);

/// <summary>
/// Paper experiment 3 (Czarnecki et al. 2017, §4.3; Jaderberg et al. 2017): a classifier on Fashion-MNIST decoupled at
/// one cut or two, whose modules below the top learn from backprop, DNI synthetic-gradient modules, critics or Sobolev
/// critics (<see cref="DecoupledTrainer"/>). First each kind's hyper-parameters are chosen per split on a validation
/// split held out of the training file (<see cref="TuningGrid"/>), then every kind at every split is trained with the
/// same seeds and scored on the test file. Each finished run is saved in <c>runs/</c>; on resume finished runs are read
/// back and unfinished ones start again (a run is deterministic by seed).
/// </summary>
public static class SyntheticGradientExperiment
{
    /// <summary>Folder of the per-run files.</summary>
    public const string RunsFolder = "runs";

    /// <summary>Seed of the tuning runs: not among the measured seeds 0..seeds − 1.</summary>
    public const long TuningSeed = 1_000_000;

    /// <summary>Runs (or continues) the experiment in <paramref name="outDir"/>.</summary>
    public static SyntheticGradientResult Run(SyntheticGradientOptions o, string outDir, Device device, IProgress<ProgressInfo>? progress = null, CancellationToken cancel = default)
    {
        o.Validate("");
        var (fullTrain, fullTest) = FashionMnist.Load(o.DataDir);
        using var trainData = fullTrain;
        using var testData = fullTest;
        long validationCount = o.Tune ? o.ValidationExamples : 0;
        long trainCount = trainData.Count - validationCount;
        if (trainCount < o.BatchSize)
            throw new UserErrorException($"config validation_examples: {validationCount} of the {trainData.Count} training images leave fewer than one batch to train on; lower validation_examples");
        if (o.TrainExamples > 0) trainCount = Math.Min(trainCount, o.TrainExamples);
        var train = trainData.Slice(0, trainCount);
        var validation = trainData.Slice(trainData.Count - validationCount, validationCount);
        var test = o.TestExamples > 0 ? testData.Take(o.TestExamples) : testData;
        Directory.CreateDirectory(Path.Combine(outDir, RunsFolder));
        var splits = o.Splits();

        var tuning = new List<TuningPoint>();
        var chosen = new Dictionary<(string, string), Hyperparameters>();
        if (o.Tune)
        {
            var grid = (from cuts in splits
                        from kind in o.Kinds
                        from point in TuningGrid.For(kind, Hyperparameters.Of(o)).Select((p, i) => (p, i))
                        select new Job(cuts, kind, TuningSeed, point.p, $"tune-{SyntheticGradientOptions.SplitName(cuts)}-{kind}-g{point.i}")).ToArray();
            var scored = RunAll(grid, o with { EvalEvery = o.Steps }, outDir, train, validation, device, "tuning runs", progress, cancel);
            foreach (var group in scored.GroupBy(r => (r.Split, r.Kind)))
            {
                var best = group.OrderByDescending(r => r.FinalAccuracy).First(); // stable: the first of equals
                chosen[group.Key] = best.Settings;
                tuning.AddRange(group.Select(r => new TuningPoint(r.Split, r.Kind, r.Settings, 100 * r.FinalAccuracy, ReferenceEquals(r, best))));
            }
        }
        var jobs = (from cuts in splits
                    from seed in Enumerable.Range(0, o.Seeds)
                    from kind in o.Kinds
                    let split = SyntheticGradientOptions.SplitName(cuts)
                    select new Job(cuts, kind, seed, chosen.GetValueOrDefault((split, kind)) ?? Hyperparameters.Of(o), RunName(split, kind, seed))).ToArray();
        var runs = RunAll(jobs, o, outDir, train, test, device, "runs", progress, cancel);

        var result = new SyntheticGradientResult(o, train.Count, validation.Count, test.Count, tuning, Summarise(o, runs), Compare(o, runs), runs);
        RunDirectory.WriteAtomic(Path.Combine(outDir, RunDirectory.SummaryFile), Json.Serialize(result));
        SyntheticGradientReport.Write(result, outDir);
        return result;
    }

    /// <summary>File stem of one measured run.</summary>
    public static string RunName(string split, string kind, long seed) => string.Create(CultureInfo.InvariantCulture, $"cut{split}-{kind}-s{seed}");

    private sealed record Job(int[] Cuts, string Kind, long Seed, Hyperparameters Settings, string Name);

    // Runs are independent and each is deterministic by its seed, so they run side by side, each with one libtorch
    // intra-op thread: the same numbers whichever pool thread a run lands on and whatever ran there before (a resumed
    // experiment must reproduce the runs it redoes). A run whose file exists is read back instead.
    private static List<SyntheticGradientRun> RunAll(Job[] jobs, SyntheticGradientOptions o, string outDir, ImageSplit train, ImageSplit scored, Device device,
        string what, IProgress<ProgressInfo>? progress, CancellationToken cancel)
    {
        var finished = new SyntheticGradientRun[jobs.Length];
        long done = 0;
        progress?.Report(new ProgressInfo($"synthetic-gradients {what}", 0, jobs.Length, "runs"));
        int processThreads = get_num_threads();
        try
        {
            Parallel.For(0, jobs.Length, new ParallelOptions { MaxDegreeOfParallelism = o.Workers, CancellationToken = cancel }, i =>
            {
                var job = jobs[i];
                string file = Path.Combine(outDir, RunsFolder, job.Name + ".json");
                var run = File.Exists(file) ? JsonSerializer.Deserialize<SyntheticGradientRun>(File.ReadAllText(file), Json.Options) : null;
                if (run == null)
                {
                    run = ShardThreads.OnOneThread(() => DecoupledTrainer.Run(job.Cuts, job.Kind, job.Seed, job.Settings, o, train, scored, device, progress, cancel));
                    RunDirectory.WriteAtomic(file, Json.Serialize(run));
                }
                finished[i] = run;
                progress?.Report(new ProgressInfo($"synthetic-gradients {what}", Interlocked.Increment(ref done), jobs.Length, "runs"));
            });
        }
        finally
        {
            set_num_threads(processThreads); // a pool thread giving its count back sets the process-wide count too
        }
        return [.. finished];
    }

    private static List<KindSummary> Summarise(SyntheticGradientOptions o, List<SyntheticGradientRun> runs)
    {
        var rows = new List<KindSummary>();
        foreach (var cuts in o.Splits())
            foreach (string kind in o.Kinds)
            {
                string split = SyntheticGradientOptions.SplitName(cuts);
                var these = runs.Where(r => r.Split == split && r.Kind == kind).ToArray();
                var accuracy = ReturnStatistics.Of(these.Select(r => 100 * r.FinalAccuracy).ToArray());
                var cosines = Enumerable.Range(0, these[0].Curve[^1].GradientCosines.Length).Select(c => these.Average(r => r.Curve[^1].GradientCosines[c])).ToArray();
                rows.Add(new KindSummary(split, kind, these.Length, these[0].Settings, accuracy.Mean, accuracy.CiLow, accuracy.CiHigh,
                    these.Average(r => r.CpuSecondsPerStep), these.Average(r => r.MillisecondsPerStep), cosines));
            }
        return rows;
    }

    private static List<PairedComparison> Compare(SyntheticGradientOptions o, List<SyntheticGradientRun> runs)
    {
        var rows = new List<PairedComparison>();
        if (!o.Kinds.Contains(CutKinds.SobolevCritic)) return rows;
        foreach (var cuts in o.Splits())
            foreach (string baseline in o.Kinds.Where(k => k != CutKinds.SobolevCritic))
            {
                string split = SyntheticGradientOptions.SplitName(cuts);
                var differences = Enumerable.Range(0, o.Seeds).Select(seed =>
                    100 * (Final(runs, split, CutKinds.SobolevCritic, seed) - Final(runs, split, baseline, seed))).ToArray();
                var test = PairedTest.TTest(differences);
                rows.Add(new PairedComparison(split, CutKinds.SobolevCritic, baseline, test.Mean, test.CiLow, test.CiHigh, test.P, differences.Count(d => d > 0), differences.Length));
            }
        return rows;
    }

    private static double Final(List<SyntheticGradientRun> runs, string split, string kind, long seed) =>
        runs.Single(r => r.Split == split && r.Kind == kind && r.Seed == seed).FinalAccuracy;
}
