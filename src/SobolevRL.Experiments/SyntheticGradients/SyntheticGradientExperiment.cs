using System.Globalization;
using System.Text.Json;
using SobolevRL.Evaluation;
using SobolevRL.Runs;
using static TorchSharp.torch;

namespace SobolevRL.SyntheticGradients;

/// <summary>Final test accuracy of one kind at one cut over seeds, with its cost.</summary>
/// <param name="Cut">Cut position.</param>
/// <param name="Kind">Kind of cut.</param>
/// <param name="Seeds">Runs summarised.</param>
/// <param name="Accuracy">Mean final test accuracy, %.</param>
/// <param name="CiLow">Lower end of its 95% Student-t interval (NaN with one seed).</param>
/// <param name="CiHigh">Upper end of its 95% Student-t interval.</param>
/// <param name="MillisecondsPerStep">Mean wall-clock training time per step.</param>
/// <param name="GradientCosine">Mean cosine between synthetic and true ∂L/∂h over the last evaluation window (NaN for backprop).</param>
public sealed record KindSummary(int Cut, string Kind, int Seeds, double Accuracy, double CiLow, double CiHigh, double MillisecondsPerStep, double GradientCosine);

/// <summary>A paired comparison of two kinds at one cut: same seeds, so same initialisation and batches.</summary>
/// <param name="Cut">Cut position.</param>
/// <param name="Kind">The kind compared.</param>
/// <param name="Baseline">The kind it is compared with.</param>
/// <param name="Difference">Mean of (kind − baseline) final test accuracy over seeds, percentage points.</param>
/// <param name="CiLow">Lower end of the 95% Student-t interval of the mean difference (NaN with one seed).</param>
/// <param name="CiHigh">Upper end.</param>
/// <param name="Wins">Seeds on which the kind is more accurate than the baseline.</param>
/// <param name="Seeds">Seeds compared.</param>
public sealed record PairedComparison(int Cut, string Kind, string Baseline, double Difference, double CiLow, double CiHigh, int Wins, int Seeds);

/// <summary>Everything the experiment measured (<c>summary.json</c>, and the command's <c>--json</c>).</summary>
/// <param name="Options">The resolved config.</param>
/// <param name="TrainExamples">Training examples used.</param>
/// <param name="TestExamples">Test examples scored.</param>
/// <param name="Summary">Per cut and kind.</param>
/// <param name="Comparisons">The Sobolev critic against each other kind, paired by seed.</param>
/// <param name="Runs">Every run with its curve.</param>
public sealed record SyntheticGradientResult(SyntheticGradientOptions Options, long TrainExamples, long TestExamples,
    IReadOnlyList<KindSummary> Summary, IReadOnlyList<PairedComparison> Comparisons, IReadOnlyList<SyntheticGradientRun> Runs);

/// <summary>
/// Paper experiment 3 (Czarnecki et al. 2017, §4.3; Jaderberg et al. 2017): a classifier on Fashion-MNIST decoupled at
/// one cut, whose lower module learns from backprop, a DNI synthetic-gradient module, a critic or a Sobolev critic
/// (<see cref="DecoupledTrainer"/>); every kind at every cut with the same seeds. Each finished run is saved in
/// <c>runs/</c>; on resume finished runs are read back and unfinished ones start again (a run is deterministic by seed).
/// </summary>
public static class SyntheticGradientExperiment
{
    /// <summary>Folder of the per-run files.</summary>
    public const string RunsFolder = "runs";

    /// <summary>Runs (or continues) the experiment in <paramref name="outDir"/>.</summary>
    public static SyntheticGradientResult Run(SyntheticGradientOptions o, string outDir, Device device, IProgress<ProgressInfo>? progress = null, CancellationToken cancel = default)
    {
        o.Validate("");
        var (fullTrain, fullTest) = FashionMnist.Load(o.DataDir);
        using var trainData = fullTrain;
        using var testData = fullTest;
        var train = o.TrainExamples > 0 ? trainData.Take(o.TrainExamples) : trainData;
        var test = o.TestExamples > 0 ? testData.Take(o.TestExamples) : testData;
        Directory.CreateDirectory(Path.Combine(outDir, RunsFolder));

        var jobs = (from cut in o.Cuts from seed in Enumerable.Range(0, o.Seeds) from kind in o.Kinds select (cut, kind, seed: (long)seed)).ToArray();
        var finished = new SyntheticGradientRun[jobs.Length];
        long done = 0;
        progress?.Report(new ProgressInfo("synthetic-gradients", 0, jobs.Length, "runs"));
        // Runs are independent and each is deterministic by its seed, so they may run side by side (libtorch's
        // intra-op threads are best set to 1 then: --threads 1).
        Parallel.For(0, jobs.Length, new ParallelOptions { MaxDegreeOfParallelism = o.Workers, CancellationToken = cancel }, i =>
        {
            var (cut, kind, seed) = jobs[i];
            string file = Path.Combine(outDir, RunsFolder, RunName(cut, kind, seed) + ".json");
            var run = File.Exists(file) ? JsonSerializer.Deserialize<SyntheticGradientRun>(File.ReadAllText(file), Json.Options) : null;
            if (run == null)
            {
                run = DecoupledTrainer.Run(cut, kind, seed, o, train, test, device, progress, cancel);
                RunDirectory.WriteAtomic(file, Json.Serialize(run));
            }
            finished[i] = run;
            progress?.Report(new ProgressInfo("synthetic-gradients", Interlocked.Increment(ref done), jobs.Length, "runs"));
        });
        var runs = finished.ToList();

        var result = new SyntheticGradientResult(o, train.Count, test.Count, Summarise(o, runs), Compare(o, runs), runs);
        RunDirectory.WriteAtomic(Path.Combine(outDir, RunDirectory.SummaryFile), Json.Serialize(result));
        SyntheticGradientReport.Write(result, outDir);
        return result;
    }

    /// <summary>File stem of one run.</summary>
    public static string RunName(int cut, string kind, long seed) => string.Create(CultureInfo.InvariantCulture, $"cut{cut}-{kind}-s{seed}");

    private static List<KindSummary> Summarise(SyntheticGradientOptions o, List<SyntheticGradientRun> runs)
    {
        var rows = new List<KindSummary>();
        foreach (int cut in o.Cuts)
            foreach (string kind in o.Kinds)
            {
                var these = runs.Where(r => r.Cut == cut && r.Kind == kind).ToArray();
                var accuracy = ReturnStatistics.Of(these.Select(r => 100 * r.FinalAccuracy).ToArray());
                rows.Add(new KindSummary(cut, kind, these.Length, accuracy.Mean, accuracy.CiLow, accuracy.CiHigh,
                    these.Average(r => r.MillisecondsPerStep), these.Average(r => r.Curve[^1].GradientCosine)));
            }
        return rows;
    }

    private static List<PairedComparison> Compare(SyntheticGradientOptions o, List<SyntheticGradientRun> runs)
    {
        var rows = new List<PairedComparison>();
        if (!o.Kinds.Contains(CutKinds.SobolevCritic)) return rows;
        foreach (int cut in o.Cuts)
            foreach (string baseline in o.Kinds.Where(k => k != CutKinds.SobolevCritic))
            {
                var differences = Enumerable.Range(0, o.Seeds).Select(seed =>
                    100 * (Final(runs, cut, CutKinds.SobolevCritic, seed) - Final(runs, cut, baseline, seed))).ToArray();
                var stats = ReturnStatistics.Of(differences);
                rows.Add(new PairedComparison(cut, CutKinds.SobolevCritic, baseline, stats.Mean, stats.CiLow, stats.CiHigh, differences.Count(d => d > 0), differences.Length));
            }
        return rows;
    }

    private static double Final(List<SyntheticGradientRun> runs, int cut, string kind, long seed) =>
        runs.Single(r => r.Cut == cut && r.Kind == kind && r.Seed == seed).FinalAccuracy;
}
