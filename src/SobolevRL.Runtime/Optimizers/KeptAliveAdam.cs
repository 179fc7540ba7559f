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
    /// When set (and with more than one shard), each step updates every parameter in contiguous element ranges, one
    /// range per shard at once (<see cref="ShardThreads"/>): the update is element-wise, so each element gets the same
    /// arithmetic as without shards. Steps must then come from the shards' owning thread.
    /// </summary>
    public ShardThreads? Shards { get; set; }

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
            void Update(int shard, int count)
            {
                using var noGrad = no_grad(); // per thread: the base class's no_grad covers only the calling thread
                using var scope = NewDisposeScope();
                foreach (var u in updates)
                {
                    var (start, length) = ShardThreads.Range(u.Param.numel(), count, shard);
                    if (length == 0) continue;
                    Tensor Range(Tensor t) => t.view(-1).narrow(0, start, length);
                    Tensor param = Range(u.Param), grad = u.Grad.reshape(-1).narrow(0, start, length);
                    Tensor expAvg = Range(u.State.exp_avg), expAvgSq = Range(u.State.exp_avg_sq);
                    expAvg.mul_(keep1).add_(grad, alpha: oneMinus1);
                    expAvgSq.mul_(keep2).addcmul_(grad, grad, value: oneMinus2);
                    var denominator = expAvgSq.sqrt();
                    denominator.div_(u.SqrtCorrection2).add_(epsilon, one);
                    param.addcdiv_(expAvg, denominator, value: u.StepSize);
                }
            }
            if (Shards is { Count: > 1 } shards) shards.Run(s => Update(s, shards.Count));
            else Update(0, 1);
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
    }, closure);
}
