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

    /// <summary>
    /// The two cuts of the three-module chain (block 1 | block 2 | block 3 and the linear layer by default), run beside
    /// the single cuts of <see cref="Cuts"/>; empty: no three-module run.
    /// </summary>
    public int[] ThreeModuleCuts { get; init; } = [1, 2];

    /// <summary>
    /// Choose each kind's hyper-parameters on the validation split first (<see cref="TuningGrid"/>, one run per grid point
    /// and split at a seed not among the measured ones); false: every kind uses learning_rate, predictor_learning_rate
    /// and sobolev_weight as given.
    /// </summary>
    public bool Tune { get; init; } = true;

    /// <summary>Examples held out from the end of the training file to tune on; never trained on, and the test file is never used to choose.</summary>
    public int ValidationExamples { get; init; } = 5000;

    /// <summary>Seeds per cut and kind (initialisation and batch order; equal across kinds, so comparisons are paired).</summary>
    public int Seeds { get; init; } = 3;

    /// <summary>Training steps (one batch each) of every run.</summary>
    public int Steps { get; init; } = 240;

    /// <summary>Examples per batch.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Adam learning rate of the classifier's modules (without tuning).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Adam learning rate of the synthetic-gradient modules and the critics (without tuning).</summary>
    public double PredictorLearningRate { get; init; } = 1e-3;

    /// <summary>Channels of the predictors' two conv layers.</summary>
    public int PredictorChannels { get; init; } = 16;

    /// <summary>λ of the Sobolev critic (without tuning): weight of the squared-L2 loss on ∂L/∂h beside the squared error on L.</summary>
    public double SobolevWeight { get; init; } = 1.0;

    /// <summary>
    /// Steps after which the true (L, ∂L/∂h) of a batch reaches the predictor: 1 is a two-stage pipeline, where the
    /// upper module works on batch t while the lower module already updates on batch t + 1.
    /// </summary>
    public int Delay { get; init; } = 1;

    /// <summary>Test accuracy is measured every this many steps (and at the end).</summary>
    public int EvalEvery { get; init; } = 40;

    /// <summary>Training examples used (the first ones of the training file; 0: all but the validation split).</summary>
    public int TrainExamples { get; init; }

    /// <summary>Test examples scored (the first ones of the test file; 0: all 10 000).</summary>
    public int TestExamples { get; init; } = 2000;

    /// <summary>Runs trained side by side (each deterministic by its seed, so results do not depend on it; ms / step does).</summary>
    public int Workers { get; init; } = 2;

    /// <summary>Every split run: each single cut, then the three-module chain.</summary>
    public IReadOnlyList<int[]> Splits() => [.. Cuts.Select(c => new[] { c }), .. ThreeModuleCuts.Length > 0 ? new[] { ThreeModuleCuts } : []];

    /// <summary>A split's name: its cuts joined by '+'.</summary>
    public static string SplitName(int[] cuts) => string.Join('+', cuts);

    /// <inheritdoc />
    public void Validate(string path)
    {
        Check.NotEmpty(Kinds, "kinds");
        foreach (string kind in Kinds) Check.OneOf(kind, CutKinds.All, "kinds");
        if (Kinds.Distinct().Count() != Kinds.Length) throw new UserErrorException("config kinds: a kind is listed twice");
        Check.NotEmpty(Cuts, "cuts");
        foreach (int cut in Cuts) Check.InRange(cut, 1, SplitCnn.BlockChannels.Length, "cuts");
        if (Cuts.Distinct().Count() != Cuts.Length) throw new UserErrorException("config cuts: a cut is listed twice");
        foreach (int cut in ThreeModuleCuts) Check.InRange(cut, 1, SplitCnn.BlockChannels.Length, "three_module_cuts");
        if (ThreeModuleCuts.Length != 0 && (ThreeModuleCuts.Length != 2 || ThreeModuleCuts[0] >= ThreeModuleCuts[1]))
            throw new UserErrorException($"config three_module_cuts: [{string.Join(", ", ThreeModuleCuts)}] is not two increasing cuts; give e.g. [1, 2], or [] for none");
        Check.NonNegative(ValidationExamples, "validation_examples");
        if (Tune && ValidationExamples == 0) throw new UserErrorException("config validation_examples: tuning needs a validation split; give validation_examples > 0 or tune: false");
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
