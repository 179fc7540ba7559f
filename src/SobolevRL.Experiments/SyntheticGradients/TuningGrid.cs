namespace SobolevRL.SyntheticGradients;

/// <summary>
/// The hyper-parameters tried per kind of cut when tuning: six points for every kind (equal effort). Backprop has only
/// the classifier's learning rate, so it gets six of them; each other kind gets three classifier learning rates times
/// two values of its own knob: the predictor's learning rate for <c>sg</c> and <c>critic</c>, λ for <c>sobolev-critic</c>
/// (its predictor learning rate stays at the <c>sg</c>/<c>critic</c> grid's lower value).
/// </summary>
public static class TuningGrid
{
    /// <summary>Classifier learning rates of the predictor kinds.</summary>
    public static readonly double[] LearningRates = [3e-4, 1e-3, 3e-3];

    /// <summary>Classifier learning rates of backprop.</summary>
    public static readonly double[] BackpropLearningRates = [1e-4, 3e-4, 1e-3, 2e-3, 3e-3, 1e-2];

    /// <summary>Predictor learning rates of <c>sg</c> and <c>critic</c>.</summary>
    public static readonly double[] PredictorLearningRates = [1e-3, 1e-2];

    /// <summary>λ of <c>sobolev-critic</c>.</summary>
    public static readonly double[] SobolevWeights = [1, 100];

    /// <summary>The grid of <paramref name="kind"/>; unused knobs keep the values of <paramref name="defaults"/>.</summary>
    public static IReadOnlyList<Hyperparameters> For(string kind, Hyperparameters defaults) => kind switch
    {
        CutKinds.Backprop => [.. BackpropLearningRates.Select(lr => defaults with { LearningRate = lr })],
        CutKinds.Sg or CutKinds.Critic => [.. from lr in LearningRates from plr in PredictorLearningRates select defaults with { LearningRate = lr, PredictorLearningRate = plr }],
        CutKinds.SobolevCritic => [.. from lr in LearningRates from w in SobolevWeights select defaults with { LearningRate = lr, PredictorLearningRate = PredictorLearningRates[0], SobolevWeight = w }],
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown kind of cut"),
    };
}
