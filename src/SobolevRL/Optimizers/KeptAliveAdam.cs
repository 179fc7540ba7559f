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
        foreach (var param in group.Parameters)
        {
            var grad = param.grad;
            if (grad is null) continue;
            var state = (State)_state[param.Handle];
            state.step += 1;
            using var sqrtCorrection2 = Math.Sqrt(1 - Math.Pow(beta2, state.step)).ToScalar();
            using var stepSize = (-lr / (1 - Math.Pow(beta1, state.step))).ToScalar();
            state.exp_avg.mul_(keep1).add_(grad, alpha: oneMinus1);
            state.exp_avg_sq.mul_(keep2).addcmul_(grad, grad, value: oneMinus2);
            using var denominator = state.exp_avg_sq.sqrt();
            denominator.div_(sqrtCorrection2).add_(epsilon, one);
            param.addcdiv_(state.exp_avg, denominator, value: stepSize);
        }
    }, closure);
}
