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

    /// <summary>
    /// As <see cref="EqualTime"/> with CPU time (<c>optim.max_cpu_seconds</c>): equal compute, which wall time is only
    /// on an otherwise idle machine.
    /// </summary>
    EqualCpu,
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

    /// <summary>
    /// The loss-form comparison: entries <c>FORM:λ1:λ2…</c> (FORM a <c>loss.derivative_form</c>: rows, centered, fisher,
    /// relative, projection). Per fraction and seed one Regular student is trained, and per form one student per λ, of which
    /// the one of lowest validation KL is the form's student (paired with the Regular one). Needs
    /// <c>distill.validation.fraction</c> above 0; excludes <see cref="LambdaGrid"/> and equal_time.
    /// </summary>
    public string[] FormGrid { get; init; } = [];

    /// <summary>
    /// The input-noise control beside <see cref="FormGrid"/>: Regular students with <c>loss.input_noise</c> = σ for each σ
    /// here, the one of lowest validation KL kept (empty: no control).
    /// </summary>
    public double[] NoiseGrid { get; init; } = [];

    /// <summary>
    /// How the students share compute: equal_steps, equal_time or equal_cpu (the last two need an empty
    /// <see cref="LambdaGrid"/>; with <see cref="FormGrid"/> they add a Regular student trained for as long as the
    /// longest-training chosen form, beside the equal-steps one).
    /// </summary>
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
        if (LambdaGrid.Length > 0 && Budget != BudgetKind.EqualSteps)
            throw new UserErrorException("config budget: equal_time and equal_cpu give a Regular student the Sobolev student's time, and a λ grid has no one Sobolev student; leave lambda_grid empty or use budget=equal_steps");
        foreach (string entry in FormGrid) ParseFormEntry(entry);
        foreach (double sigma in NoiseGrid) Check.Positive(sigma, "noise_grid");
        if ((FormGrid.Length > 0 || NoiseGrid.Length > 0) && LambdaGrid.Length > 0)
            throw new UserErrorException($"config {UserErrorException.Key("form_grid")}: the form comparison chooses λ per form itself; leave {UserErrorException.Key("lambda_grid")} empty");
        if (NoiseGrid.Length > 0 && FormGrid.Length == 0 && Budget != BudgetKind.EqualSteps)
            throw new UserErrorException($"config {UserErrorException.Key("budget")}: a longer Regular student is timed by the forms of {UserErrorException.Key("form_grid")}, which is empty; add forms or use budget=equal_steps");
        if ((FormGrid.Length > 0 || NoiseGrid.Length > 0) && !(Distill.Validation.Fraction > 0))
            throw new UserErrorException($"config {UserErrorException.Key("form_grid")}: λ and σ are chosen by validation KL; set {UserErrorException.Key("distill.validation.fraction")} above 0");
        if (LambdaGrid.Length > 0 && !(Distill.Validation.Fraction > 0))
            throw new UserErrorException("config lambda_grid: λ is chosen by validation KL; set distill.validation.fraction above 0");
    }

    /// <summary>Parses a <see cref="FormGrid"/> entry <c>FORM:λ1:λ2…</c> (a user error naming <c>form_grid</c> otherwise).</summary>
    public static (DerivativeForm Form, double[] Lambdas) ParseFormEntry(string entry)
    {
        var parts = entry.Split(':', StringSplitOptions.TrimEntries);
        string known = string.Join(", ", Enum.GetNames<DerivativeForm>().Select(n => n.ToLowerInvariant()));
        if (parts.Length < 2 || !Enum.TryParse<DerivativeForm>(parts[0], ignoreCase: true, out var form) || !Enum.IsDefined(form))
            throw new UserErrorException($"config {UserErrorException.Key("form_grid")} entry '{entry}': write FORM:λ1:λ2… with FORM one of {known}, e.g. centered:0.003:0.01");
        var lambdas = new double[parts.Length - 1];
        for (int i = 1; i < parts.Length; i++)
            if (!double.TryParse(parts[i], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out lambdas[i - 1]) || !(lambdas[i - 1] > 0) || double.IsInfinity(lambdas[i - 1]))
                throw new UserErrorException($"config {UserErrorException.Key("form_grid")} entry '{entry}': '{parts[i]}' is not a positive λ");
        return (form, lambdas);
    }
}
