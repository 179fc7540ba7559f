using SobolevRL.Optimizers;
using SobolevRL.Sobolev;
using TorchSharp;
using static TorchSharp.torch;
using SobolevRL.Hardware;

namespace SobolevRL.Regression;

/// <summary>Settings of one fit.</summary>
/// <param name="Mode">Regular (values) or Sobolev (values and gradients); <see cref="RegressionMode.RegularOnThreeN"/> trains as Regular.</param>
/// <param name="LearningRate">Adam learning rate.</param>
/// <param name="Lambda">Weight of the gradient term (Sobolev only).</param>
/// <param name="Steps">Full-batch Adam steps.</param>
/// <param name="Hidden">Width of the hidden layers.</param>
public sealed record RegressionFitSettings(RegressionMode Mode, double LearningRate, double Lambda, int Steps, int Hidden);

/// <summary>A trained model and how its training went.</summary>
/// <param name="Model">The model (the best-validation snapshot when a validation sample was given).</param>
/// <param name="FinalLoss">Last training loss, normalised units.</param>
/// <param name="BestStep">Steps done when the kept snapshot was taken (the budget without validation).</param>
/// <param name="ValidationMse">Validation value MSE of the kept snapshot in normalised units (NaN without validation).</param>
public sealed record RegressionFit(RegressionMlp Model, double FinalLoss, int BestStep, double ValidationMse);

/// <summary>Fits one <see cref="RegressionMlp"/> to a training sample, full batch with Adam.</summary>
public static class RegressionTrainer
{
    /// <summary>
    /// Trains a fresh model initialised from <paramref name="initSeed"/> (so Regular and Sobolev fits of a seed start from
    /// the same weights). With a <paramref name="validation"/> sample the
    /// value MSE on it is measured every <paramref name="validateEvery"/> steps (and at the end), and the model of
    /// lowest validation MSE is returned (early stopping by best snapshot).
    /// </summary>
    public static RegressionFit Fit(
        RegressionSample train, Normalisation normalisation, RegressionFitSettings settings, long initSeed, Device device,
        RegressionSample? validation = null, int validateEvery = 100)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(validateEvery, 1);
        var model = new RegressionMlp(settings.Hidden, device, initSeed);
        try
        {
            using var optimiser = new KeptAliveAdam(model.parameters(), settings.LearningRate);
            var sobolev = new SobolevLoss(settings.Lambda);

            using var x = normalisation.Inputs(train, device);
            using var y = normalisation.Values(train, device);
            using var jacobian = normalisation.Jacobian(train, device);
            using var xValidation = validation is null ? null : normalisation.Inputs(validation, device);
            using var yValidation = validation is null ? null : normalisation.Values(validation, device);
            var parameters = model.parameters().ToArray();
            var best = validation is null ? null : parameters.Select(p => p.detach().clone()).ToArray();
            double bestMse = double.PositiveInfinity;
            int bestStep = settings.Steps;

            double finalLoss = double.NaN;
            for (int step = 0; step <= settings.Steps; step++)
            {
                if (best is not null && (step % validateEvery == 0 || step == settings.Steps))
                {
                    using var scope = NewDisposeScope();
                    using var _ = no_grad();
                    double mse = (model.forward(xValidation!) - yValidation!).Square().mean().item<float>();
                    if (mse < bestMse)
                    {
                        bestMse = mse;
                        bestStep = step;
                        for (int i = 0; i < parameters.Length; i++) best[i].copy_(parameters[i]);
                    }
                }

                if (step == settings.Steps) break;
                using (var scope = NewDisposeScope())
                {
                    optimiser.zero_grad();
                    var loss = settings.Mode == RegressionMode.Sobolev
                        ? sobolev.Compute(model.forward, x, y, jacobian).Total
                        : (model.forward(x) - y).Square().mean();
                    loss.backward();
                    optimiser.step();
                    if (step == settings.Steps - 1) finalLoss = loss.item<float>();
                }
            }

            if (best is not null)
            {
                using var _ = no_grad();
                for (int i = 0; i < parameters.Length; i++) parameters[i].copy_(best[i]);
                foreach (var b in best) b.Dispose();
            }

            return new RegressionFit(model, finalLoss, bestStep, validation is null ? double.NaN : bestMse);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
