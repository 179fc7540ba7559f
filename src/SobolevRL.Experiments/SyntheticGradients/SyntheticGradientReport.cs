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

    /// <summary>Writes the report, CSV tables and plots into <paramref name="outDir"/>.</summary>
    public static void Write(SyntheticGradientResult result, string outDir)
    {
        var o = result.Options;
        var runsCsv = new StringBuilder("cut,kind,seed,step,test_accuracy,train_loss,gradient_cosine,ms_per_step\n");
        foreach (var r in result.Runs)
            foreach (var p in r.Curve)
                runsCsv.Append(CultureInfo.InvariantCulture, $"{r.Cut},{r.Kind},{r.Seed},{p.Step},{p.TestAccuracy:R},{p.TrainLoss:R},{p.GradientCosine:R},{r.MillisecondsPerStep:R}\n");
        RunDirectory.WriteAtomic(Path.Combine(outDir, RunsFile), runsCsv.ToString());

        var curvesCsv = new StringBuilder("cut,kind,step,seeds,test_accuracy_mean,ci_low,ci_high,gradient_cosine_mean\n");
        var md = new StringBuilder("# Synthetic gradients from Sobolev-trained critics\n\n");
        md.Append(CultureInfo.InvariantCulture, $"Fashion-MNIST, {result.TrainExamples} training and {result.TestExamples} test images. The CNN (conv blocks of {string.Join("/", SplitCnn.BlockChannels)} channels + linear) is cut after block k; ")
          .Append(CultureInfo.InvariantCulture, $"its lower module learns from the kind of cut, its upper module by backprop. {o.Steps} steps of batch {o.BatchSize}, Adam {o.LearningRate:G3} (predictors {o.PredictorLearningRate:G3}, {o.PredictorChannels} channels), ")
          .Append(CultureInfo.InvariantCulture, $"true (L, ∂L/∂h) reach the predictor {o.Delay} step(s) late, Sobolev weight λ = {o.SobolevWeight:G3}. Mean and 95% Student-t CI over {o.Seeds} seeds (paired: same initialisation and batches for every kind).\n\n");

        var table = new MarkdownTable("cut", "h", "kind", "test accuracy %", "95% CI", "ms / step", "cos(synthetic, true)");
        foreach (var s in result.Summary)
            table.Row(s.Cut.ToString(CultureInfo.InvariantCulture), Shape(s.Cut), s.Kind, F(s.Accuracy, "F2"), $"[{F(s.CiLow, "F2")}, {F(s.CiHigh, "F2")}]", F(s.MillisecondsPerStep, "F1"), F(s.GradientCosine, "F3"));
        md.Append(table).Append('\n');
        if (result.Comparisons.Count > 0)
        {
            var paired = new MarkdownTable("cut", "comparison", "difference (points)", "95% CI", "wins");
            foreach (var c in result.Comparisons)
                paired.Row(c.Cut.ToString(CultureInfo.InvariantCulture), $"{c.Kind} − {c.Baseline}", F(c.Difference, "+0.00;-0.00"), $"[{F(c.CiLow, "F2")}, {F(c.CiHigh, "F2")}]", $"{c.Wins}/{c.Seeds}");
            md.Append("Paired differences of final test accuracy:\n\n").Append(paired).Append('\n');
        }

        foreach (int cut in o.Cuts)
        {
            var accuracy = new List<(string, double[], double[])>();
            var cosine = new List<(string, double[], double[])>();
            foreach (string kind in o.Kinds)
            {
                var runs = result.Runs.Where(r => r.Cut == cut && r.Kind == kind).ToArray();
                var steps = runs[0].Curve.Select(p => (double)p.Step).ToArray();
                var means = new double[steps.Length];
                var cosines = new double[steps.Length];
                for (int i = 0; i < steps.Length; i++)
                {
                    var stats = ReturnStatistics.Of(runs.Select(r => 100 * r.Curve[i].TestAccuracy).ToArray());
                    means[i] = stats.Mean;
                    cosines[i] = runs.Average(r => r.Curve[i].GradientCosine);
                    curvesCsv.Append(CultureInfo.InvariantCulture, $"{cut},{kind},{steps[i]},{runs.Length},{stats.Mean:R},{stats.CiLow:R},{stats.CiHigh:R},{cosines[i]:R}\n");
                }
                accuracy.Add((kind, steps, means));
                if (kind != CutKinds.Backprop) cosine.Add((kind, steps, cosines));
            }
            string accuracyPlot = $"accuracy_cut{cut}.png", cosinePlot = $"cosine_cut{cut}.png";
            LinePlot.Save(Path.Combine(outDir, accuracyPlot), $"cut {cut} (h {Shape(cut)}): test accuracy, mean of {o.Seeds} seeds", "training steps", "test accuracy %", accuracy);
            md.Append(CultureInfo.InvariantCulture, $"![cut {cut} test accuracy]({accuracyPlot})\n\n");
            if (cosine.Count > 0)
            {
                LinePlot.Save(Path.Combine(outDir, cosinePlot), $"cut {cut}: cosine of synthetic and true dL/dh", "training steps", "mean cosine", cosine);
                md.Append(CultureInfo.InvariantCulture, $"![cut {cut} gradient cosine]({cosinePlot})\n\n");
            }
        }
        RunDirectory.WriteAtomic(Path.Combine(outDir, CurvesFile), curvesCsv.ToString());
        md.Append(CultureInfo.InvariantCulture, $"Mean curves with CIs: `{CurvesFile}`; every run: `{RunsFile}`; per-run files in `{SyntheticGradientExperiment.RunsFolder}/`. ms / step is wall-clock on this machine, evaluation excluded.\n");
        RunDirectory.WriteAtomic(Path.Combine(outDir, RunDirectory.ReportFile), md.ToString());
    }

    private static string Shape(int cut)
    {
        int size = 28 >> cut;
        return string.Create(CultureInfo.InvariantCulture, $"{SplitCnn.BlockChannels[cut - 1]}×{size}×{size}");
    }

    private static string F(double v, string format) => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "–";
}
