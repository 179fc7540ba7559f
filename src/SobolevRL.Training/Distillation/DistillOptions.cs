using SobolevRL.Config;
using SobolevRL.Sobolev;
using SobolevRL.Teachers;

namespace SobolevRL.Distillation;

/// <summary>Loss on the policy values.</summary>
public enum ValueLossKind
{
    /// <summary>KL(teacher ‖ student) of the policies at temperature τ.</summary>
    Kl,
    /// <summary>Mean squared error between the logits.</summary>
    Mse,
    /// <summary>Negative log-likelihood of the teacher's arg-max action under the student.</summary>
    Nll,
}

/// <summary>How the student's derivative side of the Sobolev term is computed.</summary>
public enum SobolevEstimator
{
    /// <summary>Exact input derivatives by double backward (full Jacobian or VJPs, matching the labels).</summary>
    Exact,
    /// <summary>
    /// Central finite differences along random input directions u: ⟨v, J_s u⟩ from two extra forward passes, matched
    /// against ⟨g_t, u⟩ of the teacher's labels (only squared L2).
    /// </summary>
    Fd,
}

/// <summary>The loss of distillation: value term + λ · Sobolev term.</summary>
public sealed record LossOptions : IValidatable
{
    /// <summary>Loss on values.</summary>
    public ValueLossKind Value { get; init; } = ValueLossKind.Kl;

    /// <summary>Temperature τ of the KL and Sobolev log-policies (0: the dataset's teacher temperature).</summary>
    public double Temperature { get; init; }

    /// <summary>Sobolev term: off, full or vjp:K (must match the dataset's labels).</summary>
    public string Sobolev { get; init; } = "off";

    /// <summary>Weight λ of the Sobolev term.</summary>
    public double Weight { get; init; } = 1.0;

    /// <summary>Schedule of λ.</summary>
    public Schedule WeightSchedule { get; init; } = new();

    /// <summary>Distance between student and teacher derivatives.</summary>
    public DerivativeLossKind DerivativeLoss { get; init; } = DerivativeLossKind.SquaredL2;

    /// <summary>Which distance of the derivatives the Sobolev term is (rows: per label row by <see cref="DerivativeLoss"/>).</summary>
    public DerivativeForm DerivativeForm { get; init; } = DerivativeForm.Rows;

    /// <summary>Lower bound of ‖J_t‖²_F in the relative form's denominator (states whose teacher is flat).</summary>
    public double RelativeFloor { get; init; } = 1e-3;

    /// <summary>Random directions per state of the projection form, redrawn every step.</summary>
    public int Projections { get; init; } = 1;

    /// <summary>
    /// Standard deviation σ of Gaussian noise added to the student's input (input units, before input scaling) while it
    /// matches the teacher's labels at the clean state: the input-noise-augmentation control of Regular distillation
    /// (σ² = 2λ matches the Fisher form's λ). 0: off; only without a Sobolev term.
    /// </summary>
    public double InputNoise { get; init; }

    /// <summary>Exact (double backward) or finite-difference estimate of the student's derivatives.</summary>
    public SobolevEstimator Estimator { get; init; } = SobolevEstimator.Exact;

    /// <summary>Random input directions per state of the finite-difference estimator.</summary>
    public int FdDirections { get; init; } = 4;

    /// <summary>Step ε of the central differences, in the student's input units (before input scaling).</summary>
    public double FdStep { get; init; } = 5e-3;

    /// <summary>The parsed Sobolev term (<see cref="LabelMode.None"/> when off).</summary>
    public LabelMode SobolevMode() => LabelMode.Parse(Sobolev);

    /// <summary>
    /// These options with the keys that act only through the Sobolev term (weight, its schedule, derivative loss,
    /// estimator, finite-difference settings) at their defaults when the term is off: two such runs train identically,
    /// so a sweep runs them once.
    /// </summary>
    public LossOptions WithInactiveKeysAtDefaults() =>
        SobolevMode() == LabelMode.None ? new LossOptions { Value = Value, Temperature = Temperature, Sobolev = Sobolev } : this;

    /// <inheritdoc />
    public void Validate(string path)
    {
        try { _ = SobolevMode(); }
        catch (UserErrorException e) { throw new UserErrorException($"config {path}.sobolev: {e.Message}"); }
        Check.NonNegative(Temperature, path + ".temperature");
        Check.NonNegative(Weight, path + ".weight");
        WeightSchedule.Validate(path + ".weight_schedule");
        Check.Positive(FdDirections, path + ".fd_directions");
        Check.Positive(FdStep, path + ".fd_step");
        Check.Positive(RelativeFloor, path + ".relative_floor");
        Check.NonNegative(InputNoise, path + ".input_noise");
        if (InputNoise > 0 && SobolevMode().Kind != LabelKind.None)
            throw new UserErrorException($"config {path}.input_noise: input-noise augmentation is the control of Regular distillation; set {path}.sobolev=off or {path}.input_noise=0");
        Check.Positive(Projections, path + ".projections");
        DistillationLoss.CheckForm(DerivativeForm, SobolevMode(), Estimator, path);
        if (Estimator == SobolevEstimator.Fd && DerivativeLoss != DerivativeLossKind.SquaredL2)
            throw new UserErrorException($"config {path}.derivative_loss: the finite-difference estimator matches directional derivatives with squared_l2 only");
    }
}

/// <summary>Optimiser.</summary>
public enum OptimizerKind
{
    /// <summary>Adam.</summary>
    Adam,
    /// <summary>RMSProp.</summary>
    RmsProp,
}

/// <summary>Optimisation settings.</summary>
public sealed record OptimOptions : IValidatable
{
    /// <summary>Optimiser.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    /// <summary>Base learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Schedule of the learning rate.</summary>
    public Schedule LrSchedule { get; init; } = new();

    /// <summary>Clip the global gradient norm to this value (0: no clipping).</summary>
    public double GradClip { get; init; } = 10.0;

    /// <summary>States per minibatch.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Optimiser steps.</summary>
    public long Steps { get; init; } = 5000;

    /// <summary>
    /// Stop after this many seconds of training-loop wall time (0: no limit); for equal-time budgets. Schedules still
    /// run over <see cref="Steps"/>; a resumed run counts the time of its earlier processes too.
    /// </summary>
    public double MaxSeconds { get; init; }

    /// <summary>
    /// Stop after the training loop's processes have used this many CPU seconds (0: no limit); for equal-compute
    /// budgets, which wall time measures only on an otherwise idle machine. Counted like <see cref="MaxSeconds"/>.
    /// </summary>
    public double MaxCpuSeconds { get; init; }

    /// <summary>
    /// Shards of each batch whose gradients are computed at once, each on its own thread with one libtorch thread, and
    /// combined by size (0: automatic, libtorch's thread count on a CPU and 1 on CUDA; 1: the whole batch at once with
    /// libtorch's own threads). The finite-difference estimator always uses 1.
    /// </summary>
    public int Shards { get; init; }

    /// <inheritdoc />
    public void Validate(string path)
    {
        Check.Positive(LearningRate, path + ".learning_rate");
        LrSchedule.Validate(path + ".lr_schedule");
        Check.NonNegative(GradClip, path + ".grad_clip");
        Check.Positive(BatchSize, path + ".batch_size");
        Check.Positive(Steps, path + ".steps");
        Check.NonNegative(MaxSeconds, path + ".max_seconds");
        Check.NonNegative(MaxCpuSeconds, path + ".max_cpu_seconds");
        Check.NonNegative(Shards, path + ".shards");
    }
}

/// <summary>What is logged, checkpointed and evaluated, and how often.</summary>
public sealed record LoggingOptions : IValidatable
{
    /// <summary>Steps between metric rows (metrics.csv, TensorBoard).</summary>
    public long MetricsEvery { get; init; } = 50;

    /// <summary>Steps between checkpoints (one is always written at the end).</summary>
    public long CheckpointEvery { get; init; } = 500;

    /// <summary>Steps between held-out evaluations of snapshots (0: only at the end).</summary>
    public long EvalEvery { get; init; } = 500;

    /// <summary>Held-out states used by the evaluations (at most the held-out split).</summary>
    public int HeldOutStates { get; init; } = 1024;

    /// <summary>Episodes played by each snapshot evaluation (0: dataset metrics only).</summary>
    public int EvalEpisodes { get; init; }

    /// <inheritdoc />
    public void Validate(string path)
    {
        Check.Positive(MetricsEvery, path + ".metrics_every");
        Check.Positive(CheckpointEvery, path + ".checkpoint_every");
        Check.NonNegative(EvalEvery, path + ".eval_every");
        Check.Positive(HeldOutStates, path + ".held_out_states");
        Check.NonNegative(EvalEpisodes, path + ".eval_episodes");
    }
}

/// <summary>Divergence diagnostics beyond non-finite losses (see <see cref="DivergenceMonitor"/>).</summary>
public sealed record DivergenceOptions : IValidatable
{
    /// <summary>Stop a run whose value loss grew or whose student ends worse than the uniform policy (false: only NaN/∞ stops it).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Steps per window of the loss-growth test.</summary>
    public long Window { get; init; } = 100;

    /// <summary>A window whose mean value loss exceeds this many times the run's first loss is divergence.</summary>
    public double Growth { get; init; } = 10.0;

    /// <inheritdoc />
    public void Validate(string path)
    {
        Check.Positive(Window, path + ".window");
        if (!(Growth > 1)) throw new UserErrorException($"config {path}.growth: {Growth} must be > 1 (a factor of loss growth)");
    }
}

/// <summary>The config of <c>sobolevrl distill</c> (YAML keys in snake_case; every key can be set with <c>--set</c>).</summary>
public sealed record DistillOptions : IValidatable
{
    /// <summary>Student architecture: nature:W, minatar:C,H or mlp:H1,H2,…</summary>
    public string Student { get; init; } = "minatar:16,128";

    /// <summary>Seed of the student's initialisation, the sampler and the estimator's directions.</summary>
    public long Seed { get; init; }

    /// <summary>The loss.</summary>
    public LossOptions Loss { get; init; } = new();

    /// <summary>The optimisation.</summary>
    public OptimOptions Optim { get; init; } = new();

    /// <summary>Logging, checkpoints and snapshot evaluation.</summary>
    public LoggingOptions Logging { get; init; } = new();

    /// <summary>Validation split, early stopping and best-snapshot selection.</summary>
    public ValidationOptions Validation { get; init; } = new();
    /// <summary>Divergence diagnostics.</summary>
    public DivergenceOptions Divergence { get; init; } = new();

    /// <summary>Multi-game settings (batch shares, head layout), used when <c>data</c> names several games.</summary>
    public MultiGameOptions Games { get; init; } = new();

    /// <inheritdoc />
    public void Validate(string path)
    {
        try { _ = StudentSpec.Parse(Student); }
        catch (UserErrorException e) { throw new UserErrorException($"config student: {e.Message}"); }
        Loss.Validate("loss");
        Optim.Validate("optim");
        Logging.Validate("logging");
        Validation.Validate("validation");
        Divergence.Validate("divergence");
        Games.Validate("games");
    }
}
