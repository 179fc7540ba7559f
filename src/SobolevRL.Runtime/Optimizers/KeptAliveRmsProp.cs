using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SobolevRL.Optimizers;

/// <summary>
/// RMSProp with TorchSharp's update rule, state and checkpoint format (alpha 0.99, eps 1e-8, not centred, no momentum),
/// whose scalar operands stay alive for the whole native call. See README.md in this folder.
/// </summary>
public sealed class KeptAliveRmsProp : RMSProp
{
    /// <summary>RMSProp over <paramref name="parameters"/> with TorchSharp's defaults apart from the learning rate.</summary>
    public KeptAliveRmsProp(IEnumerable<Parameter> parameters, double learningRate)
        : base(parameters, learningRate)
    {
    }

    /// <inheritdoc />
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var o = (Options)group.Options;
        if (o.centered == true || o.momentum is > 0 || o.weight_decay is > 0 || o.maximize == true)
            throw new NotSupportedException("KeptAliveRmsProp implements plain RMSProp only (not centred, no momentum, no weight decay).");
        double alpha = o.alpha!.Value;
        using var keep = alpha.ToScalar();
        using var oneMinus = (1 - alpha).ToScalar();
        using var epsilon = o.eps!.Value.ToScalar();
        using var one = 1.ToScalar();
        using var stepSize = (-o.LearningRate!.Value).ToScalar();
        foreach (var param in group.Parameters)
        {
            var grad = param.grad;
            if (grad is null) continue;
            var state = (State)_state[param.Handle];
            state.step += 1;
            state.square_avg.mul_(keep).addcmul_(grad, grad, value: oneMinus);
            using var denominator = state.square_avg.sqrt();
            denominator.add_(epsilon, one);
            param.addcdiv_(grad, denominator, value: stepSize);
        }
    }, closure);
}
