using SobolevRL.Config;
using SobolevRL.Distillation;
using SobolevRL.Sobolev;

namespace SobolevRL.Experiments;

/// <summary>How the students of a comparison share compute.</summary>
public enum BudgetKind
{
    /// <summary>Every student trains <c>distill.optim.steps</c> steps (early stopping may end it sooner).</summary>
    EqualSteps,

    /// <summary>The Sobolev student trains first; its Regular pair then trains for the same wall time (up to 20× the steps).</summary>
    EqualTime,
}

/// <summary>
/// The config of <c>sobolevrl experiment data-efficiency</c> (paper experiment 2; YAML keys in snake_case, each settable
/// with <c>--set</c>): one dataset recorded with the teacher; Regular and Sobolev students trained on growing fractions
/// of its training split, with the same step budget, and compared on its held-out states and in episodes.
/// </summary>
public sealed record DataEfficiencyOptions : IValidatable
{
    /// <summary>The dataset recorded with the teacher.</summary>
    public DatasetPlan Data { get; init; } = new() { States = 100_000 };

    /// <summary>Percentages of the training split's states to train on (whole episodes; smaller ones are subsets of larger ones).</summary>
    public double[] Fractions { get; init; } = [1, 2, 5, 10, 100];

    /// <summary>Seeds per fraction and mode (students' initialisation and batches; the subset of episodes does not depend on it).</summary>
    public int Seeds { get; init; } = 3;

    /// <summary>
    /// λ grid searched per fraction and seed on the validation split (0 is always in it; empty: the fixed
    /// <c>distill.loss.weight</c>). Needs <c>distill.validation.fraction</c> above 0.
    /// </summary>
    public double[] LambdaGrid { get; init; } = [];

    /// <summary>How the students share compute (equal_steps or equal_time; equal_time needs an empty <see cref="LambdaGrid"/>).</summary>
    public BudgetKind Budget { get; init; } = BudgetKind.EqualSteps;

    /// <summary>Sobolev term of the Sobolev students.</summary>
    public string Sobolev { get; init; } = "full";

    /// <summary>Evaluation episodes per student (0: held-out states only).</summary>
    public int Episodes { get; init; } = 20;

    /// <summary>Evaluation episodes are cut after this many steps (0: never).</summary>
    public int MaxEpisodeSteps { get; init; } = 10_000;

    /// <summary>Distillation settings of every student (loss.sobolev and seed are set per run).</summary>
    public DistillOptions Distill { get; init; } = new()
    {
        Student = "minatar:8,64",
        Loss = new LossOptions { DerivativeLoss = DerivativeLossKind.NormalisedL2, Weight = 1.0 },
        Optim = new OptimOptions { Steps = 4000, BatchSize = 64, LearningRate = 1e-3 },
        Logging = new LoggingOptions { EvalEvery = 0, HeldOutStates = 5000, CheckpointEvery = 100, MetricsEvery = 100 },
    };

    /// <inheritdoc />
    public void Validate(string path)
    {
        Data.Validate("data");
        Check.NotEmpty(Fractions, "fractions");
        foreach (double f in Fractions) Check.InRange(f, 1e-3, 100, "fractions");
        Check.InRange(Seeds, 1, 1000, "seeds");
        Check.NonNegative(Episodes, "episodes");
        Check.NonNegative(MaxEpisodeSteps, "max_episode_steps");
        SobolevTerm.Check(Sobolev, Data.LabelMode(), "sobolev");
        Distill.Validate("distill");
        foreach (double l in LambdaGrid) Check.NonNegative(l, "lambda_grid");
        if (LambdaGrid.Length > 0 && Budget == BudgetKind.EqualTime)
            throw new UserErrorException("config budget: equal_time pairs one Sobolev student with one Regular student; leave lambda_grid empty or use budget=equal_steps");
        if (LambdaGrid.Length > 0 && !(Distill.Validation.Fraction > 0))
            throw new UserErrorException("config lambda_grid: λ is chosen by validation KL; set distill.validation.fraction above 0");
    }
}
