using SobolevRL.Hardware;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SobolevRL.Optimizers;

/// <summary>
/// Adam with TorchSharp's update rule, state and checkpoint format, but whose scalar operands stay alive for the whole
/// native call. See README.md in this folder for why TorchSharp's own <c>step</c> can read freed scalars.
/// </summary>
public sealed class KeptAliveAdam : Adam
{
    /// <summary>Adam over <paramref name="parameters"/> (betas 0.9/0.999, no weight decay, no AMSGrad).</summary>
    public KeptAliveAdam(IEnumerable<Parameter> parameters, double learningRate, double eps = 1e-8)
        : base(parameters, learningRate, eps: eps)
    {
    }

    /// <summary>
    /// Adam over <paramref name="parameters"/> that, with <paramref name="flat"/>, first moves the parameters (values
    /// unchanged) into one contiguous buffer, each becoming a view of its slice, and keeps Adam's two moment estimates the
    /// same way: a step then runs one set of element-wise ops over all elements instead of one set per parameter tensor
    /// (a small network's step is bound by the fixed cost per op, not by its arithmetic). Each element gets the same
    /// arithmetic as without, so the steps are exactly those of the per-tensor update. Anything holding an alias of a
    /// parameter's old storage (a <c>detach()</c> taken before) no longer sees it change: pack before taking aliases.
    /// </summary>
    public KeptAliveAdam(IReadOnlyList<Parameter> parameters, double learningRate, bool flat, double eps = 1e-8)
        : base(parameters, learningRate, eps: eps)
    {
        if (!flat || parameters.Count == 0) return;
        if (parameters.Select(p => (p.device_type, p.dtype)).Distinct().Count() != 1)
            throw new ArgumentException("a flat Adam needs every parameter on one device with one dtype", nameof(parameters));
        _flat = [.. parameters];
        _flatParameters = Pack(_flat);
    }

    private readonly Parameter[]? _flat;
    private readonly Tensor? _flatParameters;
    private Tensor? _flatExpAvg, _flatExpAvgSq;
    private Tensor[] _packedExpAvg = [], _packedExpAvgSq = [];

    /// <summary>
    /// When set (and with more than one shard), each step updates every parameter in contiguous element ranges, one
    /// range per shard at once (<see cref="ShardThreads"/>): the update is element-wise, so each element gets the same
    /// arithmetic as without shards. Steps must then come from the shards' owning thread.
    /// </summary>
    public ShardThreads? Shards { get; set; }

    /// <summary>Whether the last step ran as one update over the flat buffers (see the constructor with <c>flat</c>).</summary>
    public bool LastStepFlat { get; private set; }

    /// <inheritdoc />
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var o = (Options)group.Options;
        double beta1 = o.beta1!.Value, beta2 = o.beta2!.Value, eps = o.eps!.Value, lr = o.LearningRate!.Value;
        using var keep1 = beta1.ToScalar();
        using var oneMinus1 = (1 - beta1).ToScalar();
        using var keep2 = beta2.ToScalar();
        using var oneMinus2 = (1 - beta2).ToScalar();
        using var epsilon = eps.ToScalar();
        using var one = 1.ToScalar();
        var updates = new List<(Parameter Param, Tensor Grad, State State, Scalar SqrtCorrection2, Scalar StepSize)>();
        try
        {
            foreach (var param in group.Parameters)
            {
                var grad = param.grad;
                if (grad is null) continue;
                var state = (State)_state[param.Handle];
                state.step += 1;
                updates.Add((param, grad, state, Math.Sqrt(1 - Math.Pow(beta2, state.step)).ToScalar(),
                    (-lr / (1 - Math.Pow(beta1, state.step))).ToScalar()));
            }
            void UpdateShard(int shard, int count)
            {
                using var noGrad = no_grad(); // per thread: the base class's no_grad covers only the calling thread
                using var scope = NewDisposeScope();
                foreach (var u in updates)
                {
                    var (start, length) = ShardThreads.Range(u.Param.numel(), count, shard);
                    if (length == 0) continue;
                    Tensor Range(Tensor t) => t.view(-1).narrow(0, start, length);
                    Update(Range(u.Param), u.Grad.reshape(-1).narrow(0, start, length), Range(u.State.exp_avg), Range(u.State.exp_avg_sq),
                        u.SqrtCorrection2, u.StepSize);
                }
            }
            bool flat = LastStepFlat = FlatLayout(updates.Select(u => (u.Param, u.State)).ToList());
            using var flatScope = NewDisposeScope();
            // One flat gradient (a copy of every gradient, in parameter order) when the rest is flat.
            var flatGrad = flat ? cat(updates.Select(u => u.Grad.reshape(-1)).ToList(), 0) : null;
            void FlatShard(int shard, int count)
            {
                using var noGrad = no_grad();
                using var scope = NewDisposeScope();
                var (start, length) = ShardThreads.Range(flatGrad!.numel(), count, shard);
                if (length == 0) return;
                Update(_flatParameters!.narrow(0, start, length), flatGrad.narrow(0, start, length), _flatExpAvg!.narrow(0, start, length),
                    _flatExpAvgSq!.narrow(0, start, length), updates[0].SqrtCorrection2, updates[0].StepSize);
            }
            Action<int, int> work = flat ? FlatShard : UpdateShard;
            if (Shards is { Count: > 1 } shards) shards.Run(s => work(s, shards.Count));
            else work(0, 1);
        }
        finally
        {
            foreach (var u in updates)
            {
                u.Grad.Dispose();
                u.SqrtCorrection2.Dispose();
                u.StepSize.Dispose();
            }
        }

        // The element-wise update of Adam on (ranges of) a parameter, its gradient and its two moment estimates.
        void Update(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Scalar sqrtCorrection2, Scalar stepSize)
        {
            expAvg.mul_(keep1).add_(grad, alpha: oneMinus1);
            expAvgSq.mul_(keep2).addcmul_(grad, grad, value: oneMinus2);
            var denominator = expAvgSq.sqrt();
            denominator.div_(sqrtCorrection2).add_(epsilon, one);
            param.addcdiv_(expAvg, denominator, value: stepSize);
        }
    }, closure);

    // Whether this step can run flat: every packed parameter has a gradient this step, all at the same step count; packs
    // the moment estimates on the first such step (and again after load_state_dict replaced them).
    private bool FlatLayout(IReadOnlyList<(Parameter Param, State State)> updates)
    {
        if (_flat is null || updates.Count != _flat.Length) return false;
        for (int i = 0; i < _flat.Length; i++)
            if (!ReferenceEquals(updates[i].Param, _flat[i]) || updates[i].State.step != updates[0].State.step) return false;
        bool packed = _packedExpAvg.Length == _flat.Length;
        for (int i = 0; packed && i < _flat.Length; i++)
            packed = ReferenceEquals(updates[i].State.exp_avg, _packedExpAvg[i]) && ReferenceEquals(updates[i].State.exp_avg_sq, _packedExpAvgSq[i]);
        if (packed) return true;
        var states = updates.Select(u => u.State).ToArray();
        _flatExpAvg?.Dispose();
        _flatExpAvgSq?.Dispose();
        _flatExpAvg = Pack(states.Select(s => s.exp_avg).ToArray(), out _packedExpAvg);
        _flatExpAvgSq = Pack(states.Select(s => s.exp_avg_sq).ToArray(), out _packedExpAvgSq);
        for (int i = 0; i < states.Length; i++)
        {
            states[i].exp_avg.Dispose();
            states[i].exp_avg_sq.Dispose();
            states[i].exp_avg = _packedExpAvg[i];
            states[i].exp_avg_sq = _packedExpAvgSq[i];
        }
        return true;
    }

    // One buffer holding the tensors' values in order, and each tensor's slice of it as a view of its shape (neither in a
    // dispose scope).
    private static Tensor Pack(Tensor[] tensors, out Tensor[] views)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope(); // the buffer and views outlive any scope the caller has open
        var buffer = cat(tensors.Select(t => t.detach().reshape(-1)).ToList(), 0).DetachFromDisposeScope();
        views = new Tensor[tensors.Length];
        long offset = 0;
        for (int i = 0; i < tensors.Length; i++)
        {
            long n = tensors[i].numel();
            views[i] = buffer.narrow(0, offset, n).view(tensors[i].shape).DetachFromDisposeScope();
            offset += n;
        }
        return buffer;
    }

    // Moves the parameters' storage into one buffer (values unchanged): each parameter becomes a view of its slice.
    private static Tensor Pack(Parameter[] parameters)
    {
        using var noGrad = no_grad();
        var buffer = Pack(parameters.Cast<Tensor>().ToArray(), out var views);
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i].set_(views[i]);
            views[i].Dispose();
        }
        return buffer;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _flatParameters?.Dispose();
            _flatExpAvg?.Dispose();
            _flatExpAvgSq?.Dispose();
        }
        base.Dispose(disposing);
    }
}
