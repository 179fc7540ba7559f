using System.Globalization;
using System.Text;
using SobolevRL.Evaluation;
using SobolevRL.Reporting;
using SobolevRL.Runs;

namespace SobolevRL.SyntheticGradients;

/// <summary>
/// <c>report.md</c> of the synthetic-gradient experiment: per cut, final test accuracy of each kind (mean and 95% CI over
/// seeds), cost per step and gradient cosine; paired differences; plots of test accuracy and cosine against steps;
/// <c>curves.csv</c> (mean and CI per evaluation step) and <c>runs.csv</c> (every run's points).
/// </summary>
public static class SyntheticGradientReport
{
    /// <summary>Mean curves with 95% CIs.</summary>
    public const string CurvesFile = "curves.csv";

    /// <summary>Every run's evaluation points.</summary>
    public const string RunsFile = "runs.csv";

    /// <summary>Every tuning run's validation accuracy.</summary>
    public const string TuningFile = "tuning.csv";

    /// <summary>Writes the report, CSV tables and plots into <paramref name="outDir"/>.</summary>
    public static void Write(SyntheticGradientResult result, string outDir)
    {
        var o = result.Options;
        var runsCsv = new StringBuilder("split,kind,seed,learning_rate,predictor_learning_rate,sobolev_weight,step,test_accuracy,train_loss,gradient_cosines,cpu_s_per_step,ms_per_step\n");
        foreach (var r in result.Runs)
            foreach (var p in r.Curve)
                runsCsv.Append(CultureInfo.InvariantCulture, $"{r.Split},{r.Kind},{r.Seed},{r.Settings.LearningRate:R},{r.Settings.PredictorLearningRate:R},{r.Settings.SobolevWeight:R},{p.Step},{p.TestAccuracy:R},{p.TrainLoss:R},{string.Join(' ', p.GradientCosines.Select(c => c.ToString("R", CultureInfo.InvariantCulture)))},{r.CpuSecondsPerStep:R},{r.MillisecondsPerStep:R}\n");
        RunDirectory.WriteAtomic(Path.Combine(outDir, RunsFile), runsCsv.ToString());

        var curvesCsv = new StringBuilder("split,kind,step,seeds,test_accuracy_mean,ci_low,ci_high,gradient_cosines_mean\n");
        var md = new StringBuilder("# Synthetic gradients from Sobolev-trained critics\n\n");
        md.Append(CultureInfo.InvariantCulture, $"Fashion-MNIST, {result.TrainExamples} training, {result.ValidationExamples} validation (held out of the training file) and {result.TestExamples} test images. The CNN (conv blocks of {string.Join("/", SplitCnn.BlockChannels)} channels + linear) is cut after block k (split \"k\": two modules) or after blocks j and k (split \"j+k\": three modules); ")
          .Append(CultureInfo.InvariantCulture, $"its modules below the top learn from the kind of cut, the top one by backprop. {o.Steps} steps of batch {o.BatchSize}, Adam; predictors {o.PredictorChannels} channels; ")
          .Append(CultureInfo.InvariantCulture, $"true (L, ∂L/∂h) reach the predictors {o.Delay} step(s) late. Mean and 95% Student-t CI over {o.Seeds} seeds (paired: same initialisation and batches for every kind).\n\n");

        if (result.Tuning.Count > 0)
        {
            var tuningCsv = new StringBuilder("split,kind,learning_rate,predictor_learning_rate,sobolev_weight,validation_accuracy,chosen\n");
            foreach (var t in result.Tuning)
                tuningCsv.Append(CultureInfo.InvariantCulture, $"{t.Split},{t.Kind},{t.Settings.LearningRate:R},{t.Settings.PredictorLearningRate:R},{t.Settings.SobolevWeight:R},{t.ValidationAccuracy:R},{t.Chosen}\n");
            RunDirectory.WriteAtomic(Path.Combine(outDir, TuningFile), tuningCsv.ToString());
            md.Append(CultureInfo.InvariantCulture, $"Hyper-parameters chosen per split and kind by validation accuracy after {o.Steps} steps, one run per point of a six-point grid per kind (seed {SyntheticGradientExperiment.TuningSeed}, not a measured one; every point in `{TuningFile}`); the test images were never used to choose.\n\n");
        }
        else
        {
            md.Append("Hyper-parameters as configured, the same for every kind (not tuned).\n\n");
        }

        var table = new MarkdownTable("split", "h", "kind", "lr", "predictor lr", "λ", "test accuracy %", "95% CI", "CPU ms / step", "wall ms / step", "cos(synthetic, true), per cut");
        foreach (var s in result.Summary)
            table.Row(s.Split, Shape(s.Split), s.Kind, F(s.Settings.LearningRate, "G3"), s.Kind == CutKinds.Backprop ? "–" : F(s.Settings.PredictorLearningRate, "G3"),
                s.Kind == CutKinds.SobolevCritic ? F(s.Settings.SobolevWeight, "G3") : "–", F(s.Accuracy, "F2"), $"[{F(s.CiLow, "F2")}, {F(s.CiHigh, "F2")}]",
                F(1000 * s.CpuSecondsPerStep, "F1"), F(s.MillisecondsPerStep, "F1"), s.GradientCosines.Length == 0 ? "–" : string.Join(" / ", s.GradientCosines.Select(c => F(c, "F3"))));
        md.Append(table).Append('\n');
        if (result.Comparisons.Count > 0)
        {
            var paired = new MarkdownTable("split", "comparison", "difference (points)", "95% CI", "paired t-test p", "wins");
            foreach (var c in result.Comparisons)
                paired.Row(c.Split, $"{c.Kind} − {c.Baseline}", F(c.Difference, "+0.00;-0.00"), $"[{F(c.CiLow, "F2")}, {F(c.CiHigh, "F2")}]", F(c.P, "F3"), $"{c.Wins}/{c.Seeds}");
            md.Append("Paired differences of final test accuracy:\n\n").Append(paired).Append('\n');
        }

        foreach (var cuts in o.Splits())
        {
            string split = SyntheticGradientOptions.SplitName(cuts);
            var accuracy = new List<(string, double[], double[])>();
            var cosine = new List<(string, double[], double[])>();
            foreach (string kind in o.Kinds)
            {
                var runs = result.Runs.Where(r => r.Split == split && r.Kind == kind).ToArray();
                var steps = runs[0].Curve.Select(p => (double)p.Step).ToArray();
                var means = new double[steps.Length];
                int cutCount = runs[0].Curve[0].GradientCosines.Length;
                var cosines = new double[cutCount][];
                for (int c = 0; c < cutCount; c++) cosines[c] = new double[steps.Length];
                for (int i = 0; i < steps.Length; i++)
                {
                    var stats = ReturnStatistics.Of(runs.Select(r => 100 * r.Curve[i].TestAccuracy).ToArray());
                    means[i] = stats.Mean;
                    for (int c = 0; c < cutCount; c++) cosines[c][i] = runs.Average(r => r.Curve[i].GradientCosines[c]);
                    curvesCsv.Append(CultureInfo.InvariantCulture, $"{split},{kind},{steps[i]},{runs.Length},{stats.Mean:R},{stats.CiLow:R},{stats.CiHigh:R},{string.Join(' ', cosines.Select(c => c[i].ToString("R", CultureInfo.InvariantCulture)))}\n");
                }
                accuracy.Add((kind, steps, means));
                for (int c = 0; c < cutCount; c++) cosine.Add((cutCount == 1 ? kind : $"{kind} cut {cuts[c]}", steps, cosines[c]));
            }
            string stem = split.Replace('+', '_'), accuracyPlot = $"accuracy_cut{stem}.png", cosinePlot = $"cosine_cut{stem}.png";
            LinePlot.Save(Path.Combine(outDir, accuracyPlot), $"cut {split} (h {Shape(split)}): test accuracy, mean of {o.Seeds} seeds", "training steps", "test accuracy %", accuracy);
            md.Append(CultureInfo.InvariantCulture, $"![cut {split} test accuracy]({accuracyPlot})\n\n");
            if (cosine.Count > 0)
            {
                LinePlot.Save(Path.Combine(outDir, cosinePlot), $"cut {split}: cosine of synthetic and true dL/dh", "training steps", "mean cosine", cosine);
                md.Append(CultureInfo.InvariantCulture, $"![cut {split} gradient cosine]({cosinePlot})\n\n");
            }
        }
        RunDirectory.WriteAtomic(Path.Combine(outDir, CurvesFile), curvesCsv.ToString());
        md.Append(CultureInfo.InvariantCulture, $"Mean curves with CIs: `{CurvesFile}`; every run: `{RunsFile}`; per-run files in `{SyntheticGradientExperiment.RunsFolder}/`. CPU ms / step is the training thread's CPU time, wall ms / step its elapsed time (evaluation and the cosine diagnostic excluded), on this machine under its load at the time.\n");
        RunDirectory.WriteAtomic(Path.Combine(outDir, RunDirectory.ReportFile), md.ToString());
    }

    private static string Shape(string split) => string.Join(" | ", split.Split('+').Select(c =>
    {
        int cut = int.Parse(c, CultureInfo.InvariantCulture), size = 28 >> cut;
        return string.Create(CultureInfo.InvariantCulture, $"{SplitCnn.BlockChannels[cut - 1]}×{size}×{size}");
    }));

    private static string F(double v, string format) => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "–";
}
