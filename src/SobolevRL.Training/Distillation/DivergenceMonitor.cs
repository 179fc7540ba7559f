using System.Globalization;
using SobolevRL.Hardware;
using SobolevRL.Replay;
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
    private double _first = double.NaN, _sum, _lastWindow = double.NaN;
    private long _count;

    /// <summary>Whether the mean value loss of the last completed window is below the first step's (the student learned its training states).</summary>
    public bool TrainingLossFell => _lastWindow < _first;

    /// <summary>Adds the value loss of one step; a message when the window just completed shows divergence, else null.</summary>
    public string? Add(long step, double valueLoss)
    {
        if (!options.Enabled) return null;
        if (double.IsNaN(_first)) _first = valueLoss;
        _sum += valueLoss;
        if (++_count < options.Window) return null;
        double mean = _sum / _count;
        _lastWindow = mean;
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
    /// loss did not fall (<paramref name="trainingLossFell"/>: <see cref="TrainingLossFell"/> of the loop's monitor), else
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
