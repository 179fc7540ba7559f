using SobolevRL.Config;
using SobolevRL.Distillation;
using SobolevRL.Sobolev;
using SobolevRL.Teachers;

namespace SobolevRL.Experiments;

/// <summary>
/// The config of <c>sobolevrl demo</c> (YAML keys in snake_case, each settable with <c>--set</c>, e.g.
/// <c>--set data.states=20000</c>). The defaults are the main job: the shipped MinAtar Breakout teacher, a 50K-state
/// dataset with full-Jacobian labels, a 4× smaller student distilled with and without the Sobolev term, 100 evaluation
/// episodes per policy.
/// </summary>
public sealed record DemoOptions : IValidatable
{
    /// <summary>The dataset recorded with the teacher.</summary>
    public DatasetPlan Data { get; init; } = new();

    /// <summary>Seed of the students (initialisation, batches).</summary>
    public long Seed { get; init; }

    /// <summary>Sobolev term of the Sobolev student (the Regular student has none).</summary>
    public string Sobolev { get; init; } = "full";

    /// <summary>
    /// λ grid searched on the validation split (0, the Regular student, is always in it); every trial is reported and the
    /// one of lowest validation KL is named. Empty (<c>lambda_grid=[]</c>): one Regular and one Sobolev student at the fixed
    /// <c>distill.loss.weight</c>. The default {0.1, 0.3} is the range validation picked for today's form at 1–100% of
    /// Breakout's data (docs/experiments.md, "stage one").
    /// </summary>
    public double[] LambdaGrid { get; init; } = [0.1, 0.3];

    /// <summary>Evaluation episodes per policy (teacher and both students, the same seeds).</summary>
    public int Episodes { get; init; } = 100;

    /// <summary>Evaluation episodes are cut after this many steps (0: never).</summary>
    public int MaxEpisodeSteps { get; init; } = 10_000;

    /// <summary>Distillation settings shared by both students (loss.sobolev is set per student).</summary>
    public DistillOptions Distill { get; init; } = new()
    {
        Student = "minatar:8,64",
        Loss = new LossOptions { DerivativeLoss = DerivativeLossKind.NormalisedL2, Weight = 1.0 },
        Optim = new OptimOptions { Steps = 10_000, BatchSize = 64, LearningRate = 1e-3 },
        Logging = new LoggingOptions { EvalEvery = 1000, HeldOutStates = 8192, CheckpointEvery = 250 },
    };

    /// <inheritdoc />
    public void Validate(string path)
    {
        Data.Validate("data");
        Check.NonNegative(Episodes, "episodes");
        Check.NonNegative(MaxEpisodeSteps, "max_episode_steps");
        SobolevTerm.Check(Sobolev, Data.LabelMode(), "sobolev");
        Distill.Validate("distill");
        foreach (double l in LambdaGrid) Check.NonNegative(l, "lambda_grid");
        if (LambdaGrid.Length > 0 && !(Distill.Validation.Fraction > 0))
            throw new UserErrorException("config lambda_grid: λ is chosen by validation KL; set distill.validation.fraction above 0");
        if (LambdaGrid.Length > 0 && !LambdaSearch.HasValidationPoint(Distill))
            throw new UserErrorException($"config lambda_grid: λ is chosen by validation KL, but distill.validation.every ({Distill.Validation.Every}) gives no validation point within distill.optim.steps ({Distill.Optim.Steps}); set it to at most the steps, or lambda_grid=[]");
    }
}

/// <summary>Checks of the Sobolev term an experiment compares against Regular students.</summary>
public static class SobolevTerm
{
    /// <summary>Throws <see cref="UserErrorException"/> naming <paramref name="key"/> when <paramref name="term"/> is off or the labels cannot give it.</summary>
    public static void Check(string term, LabelMode labels, string key)
    {
        LabelMode mode;
        try { mode = LabelMode.Parse(term); }
        catch (UserErrorException e) { throw new UserErrorException($"config {key}: {e.Message}"); }
        if (mode.Kind == LabelKind.None) throw new UserErrorException($"config {key}: 'off' leaves nothing to compare; give full or vjp:K");
        try { DistillationLoss.CheckCompatible(mode, labels); }
        catch (UserErrorException e) { throw new UserErrorException($"config {key} with data.labels: {e.Message}"); }
    }
}
