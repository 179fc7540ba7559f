using SobolevRL.Sobolev;
using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Regression;

/// <summary>A model's values and input gradients at a sample's points, in original units.</summary>
/// <param name="Values">Predicted f.</param>
/// <param name="D1">Predicted ∂f/∂x1.</param>
/// <param name="D2">Predicted ∂f/∂x2.</param>
public sealed record RegressionPredictions(double[] Values, double[] D1, double[] D2)
{
    /// <summary>Evaluates <paramref name="model"/> at every point of <paramref name="sample"/>.</summary>
    public static RegressionPredictions Of(RegressionMlp model, Normalisation normalisation, RegressionSample sample, Device device)
    {
        using var scope = NewDisposeScope();
        var x = normalisation.Inputs(sample, device).requires_grad_(true);
        var y = model.forward(x);
        var gradient = InputDerivatives.Jacobian(y, x, createGraph: false).cpu();
        var normalisedValues = y.detach().cpu().data<float>().ToArray();
        var normalisedGradients = gradient.data<float>().ToArray();

        var values = new double[sample.Count];
        var d1 = new double[sample.Count];
        var d2 = new double[sample.Count];
        for (int i = 0; i < sample.Count; i++)
        {
            values[i] = normalisation.ValueToOriginal(normalisedValues[i]);
            (d1[i], d2[i]) = normalisation.GradientToOriginal(normalisedGradients[2 * i], normalisedGradients[(2 * i) + 1]);
        }

        return new RegressionPredictions(values, d1, d2);
    }

    /// <summary>Mean squared error of the values against the truth.</summary>
    public double ValueMse(RegressionSample truth) =>
        Enumerable.Range(0, truth.Count).Average(i => Square(Values[i] - truth.Values[i]));

    /// <summary>Mean over points of the squared Euclidean error of the gradient, ‖∇m − ∇f‖².</summary>
    public double GradientMse(RegressionSample truth) =>
        Enumerable.Range(0, truth.Count).Average(i => Square(D1[i] - truth.D1[i]) + Square(D2[i] - truth.D2[i]));

    private static double Square(double v) => v * v;
}
