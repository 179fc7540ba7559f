using System.Collections.Concurrent;
using System.Globalization;
using SobolevRL.Hardware;
using SobolevRL.Policies;
using SobolevRL.Replay;
using static TorchSharp.torch;

namespace SobolevRL.Evaluation;

/// <summary>One evaluation of a training snapshot (a row of <c>eval.csv</c>).</summary>
/// <param name="Step">Training step of the snapshot.</param>
/// <param name="HeldOut">Held-out dataset metrics (null without a dataset: a held-out game given without one).</param>
/// <param name="Returns">Episode returns (null when no episodes are played).</param>
public sealed record SnapshotResult(long Step, HeldOutResult? HeldOut, ReturnStatistics? Returns);

/// <summary>
/// Scores snapshots of a student on its own thread while training goes on. TorchSharp modules are not thread-safe, so
/// each snapshot's weights are copied (cloned to CPU) by the caller's thread and loaded into the evaluator's own module.
/// Results are appended to <c>eval.csv</c> in submission order.
/// </summary>
public sealed class SnapshotEvaluator : IDisposable
{
    /// <summary>File name of the evaluation rows in the run directory.</summary>
    public const string FileName = "eval.csv";

    private readonly BlockingCollection<(long Step, Dictionary<string, Tensor> Weights)> _queue = new();
    private readonly Thread _thread;
    private readonly int _threads; // the creating thread's libtorch thread count, which the evaluator thread takes
    private readonly ModulePolicy _policy;
    private readonly ReplayBatch? _heldOut;
    private readonly bool _ownsHeldOut;
    private readonly double _temperature;
    private readonly Tensor? _labelMask;
    private readonly string _csvPath;
    private readonly string? _envId;
    private readonly int _episodes;
    private readonly List<SnapshotResult> _results = new();
    private Exception? _failure;

    /// <summary>
    /// Starts the evaluator. <paramref name="policy"/> is the evaluator's own module (same architecture as the student, or
    /// any module whose state dictionary is the submitted module's: a zero-shot policy over a copy of a shared head);
    /// <paramref name="heldOut"/> is used as it is on the CPU (the caller keeps it alive and unchanged until
    /// <see cref="Complete"/>), else copied to the CPU; without it (null) no dataset metrics are computed. With <paramref name="episodes"/> &gt; 0 each snapshot also plays episodes of
    /// <paramref name="envId"/> under the evaluation protocol. <paramref name="labelMask"/> restricts the gradient error to
    /// the labelled input elements (copied; see <see cref="HeldOutMetrics.Compute"/>).
    /// </summary>
    public SnapshotEvaluator(ModulePolicy policy, ReplayBatch? heldOut, double temperature, string csvPath, string? envId = null, int episodes = 0,
        Tensor? labelMask = null)
    {
        _policy = policy;
        _labelMask = labelMask?.detach().cpu().clone();
        // A CPU batch is shared (read only, on both threads): a copy of Atari held-out states and labels costs ~85 MB.
        _ownsHeldOut = heldOut is not null && heldOut.Observations.device_type != TorchSharp.DeviceType.CPU;
        _heldOut = _ownsHeldOut ? heldOut!.Slice(0, heldOut!.Size, CPU) : heldOut;
        _temperature = temperature;
        _csvPath = csvPath;
        _envId = envId;
        _episodes = envId is null ? 0 : episodes;
        _threads = get_num_threads();
        _thread = new Thread(Work) { IsBackground = true, Name = "snapshot-evaluator" };
        _thread.Start();
    }

    /// <summary>Results so far, in step order.</summary>
    public IReadOnlyList<SnapshotResult> Results
    {
        get { lock (_results) return _results.ToArray(); }
    }

    /// <summary>Queues the current weights of <paramref name="student"/> (copied now, on the caller's thread).</summary>
    public void Submit(long step, nn.Module student) => _queue.Add((step, Copy(student)));

    /// <summary>
    /// Scores the current weights of <paramref name="student"/> now, on the caller's thread, as a snapshot of
    /// <paramref name="step"/> (no row is written): after <see cref="Complete"/> only, e.g. for the weights a run ends with.
    /// </summary>
    public SnapshotResult Score(long step, nn.Module student)
    {
        if (_thread.IsAlive) throw new InvalidOperationException("Score needs the evaluator completed (its thread owns the policy until then)");
        return Score(step, Copy(student));
    }

    private static Dictionary<string, Tensor> Copy(nn.Module student)
    {
        var copy = new Dictionary<string, Tensor>();
        using (no_grad())
            foreach (var (name, t) in student.state_dict()) copy[name] = t.detach().cpu().clone().DetachFromDisposeScope();
        return copy;
    }

    private SnapshotResult Score(long step, Dictionary<string, Tensor> weights)
    {
        using (no_grad())
        {
            _policy.Network.load_state_dict(weights);
            foreach (var t in weights.Values) t.Dispose();
        }
        var held = _heldOut is null ? null : HeldOutMetrics.Compute(_policy, _heldOut, _temperature, labelMask: _labelMask);
        ReturnStatistics? returns = _episodes > 0
            ? EpisodeEvaluator.Run(_envId!, EvaluationProtocol.Options(_envId!), EpisodeEvaluator.Greedy(_policy), _episodes)
            : null;
        return new SnapshotResult(step, held, returns);
    }

    /// <summary>Waits until every queued snapshot is scored; rethrows a failure of the evaluator thread.</summary>
    public void Complete()
    {
        if (!_queue.IsAddingCompleted) _queue.CompleteAdding();
        _thread.Join();
        if (_failure != null) throw new InvalidOperationException($"snapshot evaluator failed: {_failure.Message}", _failure);
    }

    private void Work()
    {
        // Score as the creating thread would (Score after Complete, a caller checking a row): libtorch keeps a thread
        // count per thread, and a new thread would otherwise copy the process-wide one, which other code may have moved.
        ShardThreads.SetForThisThread(_threads);
        try
        {
            foreach (var (step, weights) in _queue.GetConsumingEnumerable())
            {
                // Runs beside the training step, autograd included: libtorch's autograd is safe on several threads
                // (the trainer's shard threads rely on it too). The NaN that once made this a lock fits TorchSharp freeing
                // a temporary Scalar mid-call when this thread's allocations ran a GC, fixed since by the kept-alive
                // scalars (Optimizers/README.md); DistillTrainerTests.ConcurrentSnapshotEvaluationLeaves… checks it.
                var result = Score(step, weights);
                lock (_results) _results.Add(result);
                Append(result);
            }
        }
        catch (Exception e)
        {
            _failure = e;
            foreach (var _ in _queue.GetConsumingEnumerable()) { }
        }
    }

    private void Append(SnapshotResult r)
    {
        bool header = !File.Exists(_csvPath) || new FileInfo(_csvPath).Length == 0;
        using var w = new StreamWriter(_csvPath, append: true);
        if (header) w.WriteLine("step,kl,agreement,grad_rel_error,return_mean,return_std,return_ci_low,return_ci_high");
        string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        string O(double? v) => v is null ? "" : F(v.Value);
        w.WriteLine(string.Join(',', r.Step.ToString(CultureInfo.InvariantCulture), O(r.HeldOut?.Kl), O(r.HeldOut?.Agreement), O(r.HeldOut?.GradientRelativeError),
            O(r.Returns?.Mean), O(r.Returns?.Std), O(r.Returns?.CiLow), O(r.Returns?.CiHigh)));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        try { Complete(); } catch (InvalidOperationException) { }
        _queue.Dispose();
        _policy.Dispose();
        if (_ownsHeldOut) _heldOut!.Dispose();
        _labelMask?.Dispose();
    }
}
