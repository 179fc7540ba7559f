using System.Globalization;
using SobolevRL.Hardware;
using SobolevRL.Replay;
using SobolevRL.Runs;
using static TorchSharp.torch;

namespace SobolevRL.Distillation;

/// <summary>
/// Catches a distillation that diverges while its losses stay finite (e.g. a learning rate far too high: the value loss
/// jumps to ~1e5 and the student ends worse than acting uniformly at random). Two tests, off with
/// <c>divergence.enabled=false</c>: the mean value loss of a window of <c>divergence.window</c> steps above
/// <c>divergence.growth</c> × the run's first loss, and the final held-out KL above the uniform policy's while the
/// training loss did not fall (a student whose training loss fell and whose held-out KL is above uniform overfits its
/// few training states: a result, which the summary reports, not a failure of training).
/// </summary>
public sealed class DivergenceMonitor(DivergenceOptions options)
{
    private double _first = double.NaN, _sum;
    private long _count;

    /// <summary>
    /// Whether a run's training loss fell, judged once over the whole run from its <c>metrics.csv</c> columns
    /// (<see cref="MetricsLogger.ReadCsv"/>; every run logs its first step): the mean logged value loss of the last
    /// <paramref name="window"/> steps is below the first logged one. Read from the file rather than kept in memory so
    /// that a resumed run, or one killed after its last step, is judged on all of its steps, not on this process's.
    /// </summary>
    public static bool TrainingLossFell(IReadOnlyDictionary<string, List<double>> metrics, long window)
    {
        if (!metrics.TryGetValue("step", out var steps) || !metrics.TryGetValue("loss_value", out var losses) || losses.Count < 2) return false;
        double last = steps[^1];
        var recent = Enumerable.Range(1, losses.Count - 1).Where(i => steps[i] > last - window).Select(i => losses[i]).ToList();
        return recent.Average() < losses[0];
    }

    /// <summary>Adds the value loss of one step; a message when the window just completed shows divergence, else null.</summary>
    public string? Add(long step, double valueLoss)
    {
        if (!options.Enabled) return null;
        if (double.IsNaN(_first)) _first = valueLoss;
        _sum += valueLoss;
        if (++_count < options.Window) return null;
        double mean = _sum / _count;
        _sum = 0;
        _count = 0;
        // The floor keeps a first loss of ~0 (a student that starts on the teacher) from flagging noise.
        double limit = options.Growth * Math.Max(_first, 1e-3);
        return mean > limit
            ? string.Create(CultureInfo.InvariantCulture, $"the mean value loss of steps {step - options.Window + 1}..{step} is {mean:G4}, above divergence.growth={options.Growth} × the first loss {_first:G4}")
            : null;
    }

    /// <summary>
    /// A message when the student's held-out KL is above the uniform policy's on the same states although its training
    /// loss did not fall (<paramref name="trainingLossFell"/>: <see cref="TrainingLossFell"/> over the run's metrics), else
    /// null; not judged for runs shorter than one window (a barely trained student may still sit near its random start).
    /// </summary>
    public string? CheckFinal(long steps, double studentKl, ReplayBatch heldOut, double temperature, bool trainingLossFell)
    {
        if (!options.Enabled || steps < options.Window || trainingLossFell) return null;
        double uniform = UniformKl(heldOut, temperature);
        return studentKl > uniform
            ? string.Create(CultureInfo.InvariantCulture, $"the student's held-out KL {studentKl:G4} is above the uniform policy's {uniform:G4}: it learned less than nothing")
            : null;
    }

    /// <summary>Mean KL(π_teacher ‖ uniform) = log A − H(π_teacher) over the held-out states.</summary>
    public static double UniformKl(ReplayBatch heldOut, double temperature)
    {
        using var scope = NewDisposeScope();
        var logp = nn.functional.log_softmax(heldOut.TeacherLogits.to(ScalarType.Float64).DividedBy(temperature), -1);
        double entropy = -logp.exp().mul(logp).sum(-1).mean().item<double>();
        return Math.Log(heldOut.TeacherLogits.shape[^1]) - entropy;
    }
}
