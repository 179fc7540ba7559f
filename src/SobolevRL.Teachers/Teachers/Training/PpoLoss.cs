using TorchSharp;
using static TorchSharp.torch;
using SobolevRL.Hardware;

namespace SobolevRL.Teachers.Training;

/// <summary>The terms of the PPO objective on one minibatch; <see cref="Total"/> is what is minimised.</summary>
/// <param name="Total">policy + value_coef·value − entropy_coef·entropy.</param>
/// <param name="Policy">Clipped surrogate loss −E[min(ρÂ, clip(ρ, 1−ε, 1+ε)Â)].</param>
/// <param name="Value">½E[(V − R)²], or its pessimistic clipped form.</param>
/// <param name="Entropy">Mean entropy of the new policy.</param>
/// <param name="ApproxKl">E[(ρ − 1) − log ρ], an unbiased low-variance estimate of KL(old‖new) (no gradient).</param>
/// <param name="ClipFraction">Fraction of samples with |ρ − 1| &gt; ε (no gradient).</param>
public sealed record PpoLossTerms(Tensor Total, Tensor Policy, Tensor Value, Tensor Entropy, Tensor ApproxKl, Tensor ClipFraction);

/// <summary>The clipped PPO objective (Schulman et al. 2017) with value loss and entropy bonus.</summary>
public static class PpoLoss
{
    /// <summary>Computes the loss terms of a minibatch.</summary>
    /// <param name="logits">New logits, B × A.</param>
    /// <param name="values">New values, B.</param>
    /// <param name="actions">Actions taken (int64), B.</param>
    /// <param name="oldLogProbs">log π_old(a|s), B.</param>
    /// <param name="oldValues">V_old(s), B (used when the value loss is clipped).</param>
    /// <param name="advantages">Â, B (already normalised if wanted).</param>
    /// <param name="returns">Value targets R, B.</param>
    /// <param name="options">Coefficients: clip ε, value and entropy weights, value clipping.</param>
    public static PpoLossTerms Compute(Tensor logits, Tensor values, Tensor actions, Tensor oldLogProbs, Tensor oldValues,
        Tensor advantages, Tensor returns, PpoOptions options)
    {
        double eps = options.ClipCoef;
        Tensor logProbsAll = logits.log_softmax(-1);
        Tensor logProbs = logProbsAll.gather(-1, actions.unsqueeze(-1)).squeeze(-1);
        Tensor logRatio = logProbs - oldLogProbs;
        Tensor ratio = logRatio.exp();
        Tensor surrogate = torch.min(ratio * advantages, ratio.Clamp(1 - eps, 1 + eps) * advantages);
        Tensor policyLoss = -surrogate.mean();

        Tensor valueLoss;
        if (options.ClipValueLoss)
        {
            Tensor clipped = oldValues.Plus((values - oldValues).Clamp(-eps, eps));
            valueLoss = torch.max((values - returns).Square(), (clipped - returns).Square()).mean().Times(0.5);
        }
        else
        {
            valueLoss = (values - returns).Square().mean().Times(0.5);
        }

        Tensor entropy = -(logProbsAll.exp() * logProbsAll).sum(-1).mean();
        Tensor total = policyLoss.Plus(valueLoss.Times(options.ValueCoef)) - entropy.Times(options.EntropyCoef);
        Tensor approxKl, clipFraction;
        using (no_grad())
        {
            approxKl = (ratio.Minus(1) - logRatio).mean();
            clipFraction = ratio.Minus(1).abs().GreaterThan(eps).to(float32).mean();
        }
        return new PpoLossTerms(total, policyLoss, valueLoss, entropy, approxKl, clipFraction);
    }
}
