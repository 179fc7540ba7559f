using static TorchSharp.torch;

namespace SobolevRL.Regression;

/// <summary>
/// Affine maps between original units and the units the network sees: each input coordinate is
/// mapped from its domain interval to [−1, 1], and values are standardised with the mean and
/// standard deviation of the training values (the functions span up to ~10⁵ in value). Gradients
/// transform by the chain rule: ∂ŷ/∂x̂_i = ∂f/∂x_i · halfWidth_i / σ.
/// </summary>
/// <param name="Centre1">Centre of the x1 interval.</param>
/// <param name="Centre2">Centre of the x2 interval.</param>
/// <param name="HalfWidth1">Half-width of the x1 interval.</param>
/// <param name="HalfWidth2">Half-width of the x2 interval.</param>
/// <param name="Mean">Mean of the training values.</param>
/// <param name="Scale">Standard deviation of the training values (1 if they are constant).</param>
public sealed record Normalisation(double Centre1, double Centre2, double HalfWidth1, double HalfWidth2, double Mean, double Scale)
{
    /// <summary>The normalisation fitted to a training sample of a function.</summary>
    public static Normalisation Fit(TestFunction function, RegressionSample train)
    {
        var mean = train.Values.Average();
        var std = Math.Sqrt(train.Values.Sum(v => (v - mean) * (v - mean)) / train.Count);
        var (c1, c2) = function.Domain.Centre;
        var (h1, h2) = function.Domain.HalfWidth;
        return new Normalisation(c1, c2, h1, h2, mean, std > 0 ? std : 1.0);
    }

    /// <summary>Normalised inputs <c>[N, 2]</c> as float32 on <paramref name="device"/>.</summary>
    public Tensor Inputs(RegressionSample sample, Device device)
    {
        var data = new float[sample.Count * 2];
        for (int i = 0; i < sample.Count; i++)
        {
            data[2 * i] = (float)((sample.X1[i] - Centre1) / HalfWidth1);
            data[(2 * i) + 1] = (float)((sample.X2[i] - Centre2) / HalfWidth2);
        }

        return tensor(data, [sample.Count, 2], device: device);
    }

    /// <summary>Normalised values <c>[N, 1]</c> as float32 on <paramref name="device"/>.</summary>
    public Tensor Values(RegressionSample sample, Device device) =>
        tensor(sample.Values.Select(v => (float)((v - Mean) / Scale)).ToArray(), [sample.Count, 1], device: device);

    /// <summary>Normalised gradients as a Jacobian <c>[N, 1, 2]</c>, float32 on <paramref name="device"/>.</summary>
    public Tensor Jacobian(RegressionSample sample, Device device)
    {
        var data = new float[sample.Count * 2];
        for (int i = 0; i < sample.Count; i++)
        {
            data[2 * i] = (float)(sample.D1[i] * HalfWidth1 / Scale);
            data[(2 * i) + 1] = (float)(sample.D2[i] * HalfWidth2 / Scale);
        }

        return tensor(data, [sample.Count, 1, 2], device: device);
    }

    /// <summary>A normalised prediction back in original units.</summary>
    public double ValueToOriginal(double normalised) => Mean + (Scale * normalised);

    /// <summary>A normalised gradient back in original units.</summary>
    public (double D1, double D2) GradientToOriginal(double g1, double g2) => (g1 * Scale / HalfWidth1, g2 * Scale / HalfWidth2);
}
