using TorchSharp;
using static TorchSharp.torch;
using SobolevRL.Hardware;

namespace SobolevRL.Teachers.Training;

/// <summary>Means over the minibatches of one PPO update.</summary>
/// <param name="PolicyLoss">Clipped surrogate loss.</param>
/// <param name="ValueLoss">Value loss.</param>
/// <param name="Entropy">Policy entropy.</param>
/// <param name="ApproxKl">Approximate KL(old‖new).</param>
/// <param name="ClipFraction">Fraction of clipped ratios.</param>
/// <param name="ExplainedVariance">1 − Var(R − V_old)/Var(R) of the rollout.</param>
/// <param name="Epochs">Epochs actually run (fewer when the KL target stopped the update).</param>
public readonly record struct PpoUpdateStats(double PolicyLoss, double ValueLoss, double Entropy, double ApproxKl, double ClipFraction, double ExplainedVariance, int Epochs);

/// <summary>One PPO update: several epochs of shuffled minibatches over a rollout, Adam with gradient-norm clipping.</summary>
public static class PpoUpdate
{
    /// <summary>Runs the update and returns its statistics.</summary>
    /// <param name="model">The actor-critic being trained.</param>
    /// <param name="optimizer">Its optimizer (learning rate already set for this update).</param>
    /// <param name="rollout">The rollout with advantages and returns.</param>
    /// <param name="options">PPO settings.</param>
    /// <param name="generator">Generator of the minibatch order (CPU).</param>
    public static PpoUpdateStats Run(ActorCritic model, optim.Optimizer optimizer, RolloutTensors rollout, PpoOptions options, Generator generator)
    {
        long n = rollout.Actions.shape[0];
        long size = n / options.Minibatches;
        double policySum = 0, valueSum = 0, entropySum = 0, klSum = 0, clipSum = 0;
        int batches = 0, epochs = 0;
        var parameters = model.parameters().ToArray();
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            epochs++;
            double epochKl = 0;
            int epochBatches = 0;
            using var order = randperm(n, generator: generator).to(rollout.Actions.device);
            for (int b = 0; b < options.Minibatches; b++)
            {
                using var scope = NewDisposeScope();
                Tensor index = order.narrow(0, b * size, b == options.Minibatches - 1 ? n - b * size : size);
                Tensor advantages = rollout.Advantages.index_select(0, index);
                if (options.NormalizeAdvantages) advantages = (advantages - advantages.mean()) / advantages.std().Plus(1e-8);
                var (logits, values) = model.call(rollout.Observations.index_select(0, index));
                var terms = PpoLoss.Compute(logits, values, rollout.Actions.index_select(0, index), rollout.LogProbs.index_select(0, index),
                    rollout.Values.index_select(0, index), advantages, rollout.Returns.index_select(0, index), options);
                optimizer.zero_grad();
                terms.Total.backward();
                nn.utils.clip_grad_norm_(parameters, options.MaxGradNorm);
                optimizer.step();
                policySum += terms.Policy.item<float>();
                valueSum += terms.Value.item<float>();
                entropySum += terms.Entropy.item<float>();
                double kl = terms.ApproxKl.item<float>();
                klSum += kl;
                epochKl += kl;
                clipSum += terms.ClipFraction.item<float>();
                batches++;
                epochBatches++;
            }
            if (options.TargetKl > 0 && epochKl / epochBatches > options.TargetKl) break;
        }
        return new PpoUpdateStats(policySum / batches, valueSum / batches, entropySum / batches, klSum / batches, clipSum / batches,
            ExplainedVariance(rollout.Values, rollout.Returns), epochs);
    }

    private static double ExplainedVariance(Tensor predicted, Tensor targets)
    {
        using var scope = NewDisposeScope();
        double variance = targets.var().item<float>();
        return variance == 0 ? double.NaN : 1 - (targets - predicted).var().item<float>() / variance;
    }
}
