using System.Globalization;
using SobolevRL.Config;
using SobolevRL.Evaluation;
using SobolevRL.IO;
using SobolevRL.Policies;
using SobolevRL.Replay;
using SobolevRL.Runs;
using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Distillation;

/// <summary>The validation split of a distillation run: early stopping and best-snapshot selection on its KL.</summary>
public sealed record ValidationOptions : IValidatable
{
    /// <summary>
    /// Fraction of the training episodes' states held out for validation (whole episodes; 0: no validation, the last
    /// snapshot is the student). Never the held-out states, which stay for the final figures.
    /// </summary>
    public double Fraction { get; init; } = 0.1;

    /// <summary>Validation states evaluated (at most the split).</summary>
    public int States { get; init; } = 1024;

    /// <summary>Steps between validation evaluations (one is always made at the end).</summary>
    public long Every { get; init; } = 250;

    /// <summary>Evaluations without a new best validation KL after which training stops (0: never stops early).</summary>
    public int Patience { get; init; }

    /// <summary>End with the snapshot of lowest validation KL instead of the last one.</summary>
    public bool SelectBest { get; init; } = true;

    /// <inheritdoc />
    public void Validate(string path)
    {
        if (!(Fraction >= 0 && Fraction < 1)) throw new UserErrorException($"config {path}.fraction: {Fraction} must be in [0, 1)");
        Check.Positive(States, path + ".states");
        Check.Positive(Every, path + ".every");
        Check.NonNegative(Patience, path + ".patience");
    }
}

/// <summary>
/// Evaluates a training student's KL(teacher ‖ student) on the validation split every <see cref="ValidationOptions.Every"/>
/// steps (a multi-game student: the weighted mean of each game's KL on its own split) (rows of <c>validation.csv</c>), keeps each new best snapshot's weights in <c>best-STEP.bin</c> (written before its
/// row, so a row's weights survive a kill) and says when patience is exhausted. A resumed run recovers its best step and
/// patience count from the CSV (trimmed to the checkpoint); <see cref="SelectInto(nn.Module, long)"/> removes the snapshots not chosen.
/// </summary>
public sealed class ValidationTracker : IDisposable
{
    /// <summary>File name of the validation rows in the run directory.</summary>
    public const string FileName = "validation.csv";

    private const string BestPrefix = "best-";

    private readonly ValidationOptions _options;
    private readonly ReplayBatch?[] _batches;
    private readonly double[] _weights;
    private readonly double[] _temperatures;
    private readonly string _csv;
    private readonly RunDirectory _run;
    private readonly Dictionary<long, double> _kl = [];
    private int _sinceBest;

    /// <summary>Opens the validation split of <paramref name="data"/> for a run in <paramref name="run"/> resumed at <paramref name="resumedStep"/> (0: new run).</summary>
    public ValidationTracker(ValidationOptions options, IReplayDataset data, RunDirectory run, double temperature, Device device, long resumedStep)
        : this(options, [data], [1.0], run, [temperature], device, resumedStep)
    {
    }

    /// <summary>
    /// Opens the validation splits of several games' datasets (<paramref name="data"/>[g] at temperature
    /// <paramref name="temperatures"/>[g]) whose KLs are combined with <paramref name="weights"/> (normalised to sum 1,
    /// e.g. the games' batch shares). Validation is off unless every game has a split.
    /// </summary>
    public ValidationTracker(ValidationOptions options, IReadOnlyList<IReplayDataset> data, IReadOnlyList<double> weights, RunDirectory run,
        IReadOnlyList<double> temperatures, Device device, long resumedStep)
    {
        _options = options;
        _temperatures = [.. temperatures];
        double sum = weights.Sum();
        _weights = [.. weights.Select(w => w / sum)];
        _csv = run.File(FileName);
        _run = run;
        _batches = [.. data.Select(d => Split(options, d, device))];
        if (!_batches.All(b => b is not null))
        {
            foreach (var b in _batches) b?.Dispose();
            _batches = [];
        }
        if (resumedStep == 0)
        {
            if (File.Exists(_csv)) File.Delete(_csv);
            return;
        }
        CsvRows.DropAfter(_csv, resumedStep);
        if (!File.Exists(_csv)) return;
        foreach (var line in File.ReadLines(_csv).Skip(1))
        {
            var cells = line.Split(',');
            Record(long.Parse(cells[0], CultureInfo.InvariantCulture), double.Parse(cells[1], CultureInfo.InvariantCulture));
        }
    }

    // A training split of one episode has no validation split: the run then keeps its last snapshot.
    private static ReplayBatch? Split(ValidationOptions options, IReplayDataset data, Device device)
    {
        // A training split of one episode has no validation split. Only the KL is needed: the batch has no gradient
        // labels (the dataset does not read them), so the evaluation runs no backward pass.
        return options.Fraction > 0 ? data.Validation(options.Fraction, options.States, device) : null;
    }

    /// <summary>True when the run validates at all.</summary>
    public bool Enabled => _batches.Length > 0;

    /// <summary>Validation states evaluated (every game's).</summary>
    public long States => _batches.Sum(b => b?.Size ?? 0);

    /// <summary>Step of the lowest validation KL so far (0: none yet).</summary>
    public long BestStep { get; private set; }

    /// <summary>Lowest validation KL so far (NaN: none yet).</summary>
    public double BestKl { get; private set; } = double.NaN;

    /// <summary>True when <see cref="ValidationOptions.Patience"/> evaluations in a row brought no new best.</summary>
    public bool Exhausted => _options.Patience > 0 && _sinceBest >= _options.Patience;

    /// <summary>True when step <paramref name="done"/> is validated (every <see cref="ValidationOptions.Every"/> steps and the last).</summary>
    public bool Due(long done, long total) => Enabled && (done % _options.Every == 0 || done == total);

    /// <summary>Evaluates <paramref name="student"/> after step <paramref name="done"/>; a new best saves its weights.</summary>
    public double Evaluate(long done, ModulePolicy student) => Evaluate(done, [student], student.Network);

    /// <summary>
    /// Evaluates game g's policy <paramref name="students"/>[g] on game g's split after step <paramref name="done"/>; a
    /// new best saves the weights of <paramref name="network"/> (the module holding every game's parameters).
    /// </summary>
    public double Evaluate(long done, IReadOnlyList<ModulePolicy> students, nn.Module network)
    {
        if (!Enabled) throw new InvalidOperationException("the run has no validation split");
        double kl = 0;
        for (int g = 0; g < _batches.Length; g++) kl += _weights[g] * HeldOutMetrics.Compute(students[g], _batches[g]!, _temperatures[g]).Kl;
        if (Record(done, kl))
        {
            string path = BestPath(done);
            AtomicFile.Write(path, stream =>
            {
                using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
                network.save(writer);
            });
        }
        bool header = !File.Exists(_csv);
        using var w = new StreamWriter(_csv, append: true);
        if (header) w.WriteLine("step,kl");
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{done},{kl:R}"));
        return kl;
    }

    /// <summary>
    /// Loads the best snapshot's weights into <paramref name="student"/> when selection is on and removes the snapshot
    /// files; returns the step of the weights the student ends with.
    /// </summary>
    public long SelectInto(ModulePolicy student, long lastStep) => SelectInto(student.Network, lastStep);

    /// <summary>As <see cref="SelectInto(ModulePolicy, long)"/>, loading into <paramref name="network"/> (what <see cref="Evaluate(long, IReadOnlyList{ModulePolicy}, nn.Module)"/> saved).</summary>
    public long SelectInto(nn.Module network, long lastStep)
    {
        long chosen = lastStep;
        if (Enabled && _options.SelectBest && BestStep > 0 && BestStep != lastStep)
        {
            string path = BestPath(BestStep);
            if (!File.Exists(path)) throw new UserErrorException($"the best validation snapshot '{path}' is missing; start a new run");
            network.load(path);
            chosen = BestStep;
        }
        // The chosen snapshot stays, so a run killed after this point resumes to the same student.
        string kept = BestPath(chosen);
        foreach (var file in Directory.EnumerateFiles(Path.GetDirectoryName(_csv)!, BestPrefix + "*.bin").Where(f => f != kept)) File.Delete(file);
        return chosen;
    }

    private string BestPath(long step) => BestPath(_run.Path, step);

    private static string BestPath(string runPath, long step) => Path.Combine(runPath, string.Create(CultureInfo.InvariantCulture, $"{BestPrefix}{step}.bin"));

    /// <summary>
    /// Loads into <paramref name="network"/> (its last checkpoint loaded) the weights the finished run
    /// <paramref name="runPath"/> ends with: the best validation snapshot <see cref="SelectInto(nn.Module, long)"/> kept
    /// when <paramref name="summary"/> chose one before the last step (the checkpoint holds the last step's weights).
    /// </summary>
    public static void LoadChosen(nn.Module network, string runPath, IDistillSummary summary)
    {
        if (summary.ChosenStep <= 0 || summary.ChosenStep == summary.Steps) return;
        string path = BestPath(runPath, summary.ChosenStep);
        if (!File.Exists(path)) throw new UserErrorException($"the best validation snapshot '{path}' of the finished run is missing; train the run again");
        network.load(path);
    }

    /// <summary>Validation KL evaluated after step <paramref name="step"/> (NaN when that step was not validated).</summary>
    public double KlAt(long step) => _kl.GetValueOrDefault(step, double.NaN);

    private bool Record(long step, double kl)
    {
        _kl[step] = kl;
        if (double.IsNaN(BestKl) || kl < BestKl)
        {
            (BestKl, BestStep, _sinceBest) = (kl, step, 0);
            return true;
        }
        _sinceBest++;
        return false;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var b in _batches) b?.Dispose();
    }
}
