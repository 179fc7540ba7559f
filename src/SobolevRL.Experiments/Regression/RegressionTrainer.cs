using SobolevRL.Optimizers;
using SobolevRL.Sobolev;
using TorchSharp;
using static TorchSharp.torch;
using SobolevRL.Hardware;

namespace SobolevRL.Regression;

/// <summary>Fits one <see cref="RegressionMlp"/> to a training sample, full batch with Adam.</summary>
public static class RegressionTrainer
{
    /// <summary>
    /// Trains a fresh model initialised from <paramref name="initSeed"/> (so Regular and Sobolev runs
    /// of a seed start from the same weights) and returns it with the last training loss.
    /// </summary>
    public static (RegressionMlp Model, double FinalLoss) Train(
        RegressionSample train, Normalisation normalisation, RegressionMode mode, RegressionOptions options, long initSeed, Device device)
    {
        var model = new RegressionMlp(options.Hidden, device, initSeed);
        using var optimiser = new KeptAliveAdam(model.parameters(), options.LearningRate);
        var sobolev = new SobolevLoss(options.DerivativeWeight);

        using var x = normalisation.Inputs(train, device);
        using var y = normalisation.Values(train, device);
        using var jacobian = normalisation.Jacobian(train, device);

        double finalLoss = double.NaN;
        for (int step = 0; step < options.Steps; step++)
        {
            using var scope = NewDisposeScope();
            optimiser.zero_grad();
            var loss = mode == RegressionMode.Sobolev
                ? sobolev.Compute(model.forward, x, y, jacobian).Total
                : (model.forward(x) - y).Square().mean();
            loss.backward();
            optimiser.step();
            if (step == options.Steps - 1)
            {
                finalLoss = loss.item<float>();
            }
        }

        return (model, finalLoss);
    }
}
