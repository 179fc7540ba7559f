using SobolevRL.Config;

namespace SobolevRL.SyntheticGradients;

/// <summary>
/// The config of <c>sobolevrl experiment synthetic-gradients</c> (paper experiment 3; YAML keys in snake_case, each
/// settable with <c>--set</c>): the classifier split at each cut, trained once per kind of cut and seed with the same
/// batches, initialisation and learning rates; test accuracy every <see cref="EvalEvery"/> steps.
/// </summary>
public sealed record SyntheticGradientOptions : IValidatable
{
    /// <summary>Directory of the Fashion-MNIST IDX files (raw or .gz).</summary>
    public string DataDir { get; init; } = FashionMnist.DefaultDirectory;

    /// <summary>Kinds of cut compared (see <see cref="CutKinds"/>).</summary>
    public string[] Kinds { get; init; } = [.. CutKinds.All];

    /// <summary>Cut positions: after block 1 (h is 16×14×14), 2 (32×7×7) or 3 (32×3×3).</summary>
    public int[] Cuts { get; init; } = [2, 3];

    /// <summary>Seeds per cut and kind (initialisation and batch order; equal across kinds, so comparisons are paired).</summary>
    public int Seeds { get; init; } = 3;

    /// <summary>Training steps (one batch each) of every run.</summary>
    public int Steps { get; init; } = 240;

    /// <summary>Examples per batch.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Adam learning rate of the classifier's lower and upper modules.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Adam learning rate of the synthetic-gradient module and the critics.</summary>
    public double PredictorLearningRate { get; init; } = 1e-3;

    /// <summary>Channels of the predictors' two conv layers.</summary>
    public int PredictorChannels { get; init; } = 16;

    /// <summary>λ of the Sobolev critic: weight of the squared-L2 loss on ∂L/∂h beside the squared error on L.</summary>
    public double SobolevWeight { get; init; } = 1.0;

    /// <summary>
    /// Steps after which the true (L, ∂L/∂h) of a batch reaches the predictor: 1 is a two-stage pipeline, where the
    /// upper module works on batch t while the lower module already updates on batch t + 1.
    /// </summary>
    public int Delay { get; init; } = 1;

    /// <summary>Test accuracy is measured every this many steps (and at the end).</summary>
    public int EvalEvery { get; init; } = 40;

    /// <summary>Training examples used (the first ones of the training file; 0: all 60 000).</summary>
    public int TrainExamples { get; init; }

    /// <summary>Test examples scored (the first ones of the test file; 0: all 10 000).</summary>
    public int TestExamples { get; init; } = 2000;

    /// <summary>Runs trained side by side (each deterministic by its seed, so results do not depend on it; ms / step does).</summary>
    public int Workers { get; init; } = 2;

    /// <inheritdoc />
    public void Validate(string path)
    {
        Check.NotEmpty(Kinds, "kinds");
        foreach (string kind in Kinds) Check.OneOf(kind, CutKinds.All, "kinds");
        if (Kinds.Distinct().Count() != Kinds.Length) throw new UserErrorException("config kinds: a kind is listed twice");
        Check.NotEmpty(Cuts, "cuts");
        foreach (int cut in Cuts) Check.InRange(cut, 1, SplitCnn.BlockChannels.Length, "cuts");
        if (Cuts.Distinct().Count() != Cuts.Length) throw new UserErrorException("config cuts: a cut is listed twice");
        Check.InRange(Seeds, 1, 1000, "seeds");
        Check.Positive(Steps, "steps");
        Check.InRange(BatchSize, 1, 4096, "batch_size");
        Check.Positive(LearningRate, "learning_rate");
        Check.Positive(PredictorLearningRate, "predictor_learning_rate");
        Check.InRange(PredictorChannels, 1, 1024, "predictor_channels");
        Check.Positive(SobolevWeight, "sobolev_weight");
        Check.InRange(Delay, 0, 1000, "delay");
        Check.Positive(EvalEvery, "eval_every");
        Check.InRange(Workers, 1, 64, "workers");
        Check.NonNegative(TrainExamples, "train_examples");
        Check.NonNegative(TestExamples, "test_examples");
        if (TrainExamples > 0 && TrainExamples < BatchSize) throw new UserErrorException($"config train_examples: {TrainExamples} is fewer than one batch ({BatchSize}); raise it or lower batch_size");
    }
}
