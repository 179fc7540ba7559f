using SobolevRL.Hardware;
using SobolevRL.Policies;
using SobolevRL.Replay;
using SobolevRL.Sobolev;
using SobolevRL.Teachers;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SobolevRL.Distillation;

/// <summary>
/// The distillation loss of a student on a labelled batch: a value term plus λ times a Sobolev term that matches the
/// student's input derivatives of its log-policy ℓ_s = log softmax(z_s/τ) to the teacher's gradient labels.
/// </summary>
public static class DistillationLoss
{
    /// <summary>
    /// Computes the loss. <paramref name="sobolev"/> is the term to match (none, full or vjp:K, compatible with the
    /// batch's labels, see <see cref="CheckCompatible"/>); <paramref name="directions"/> draws the input directions of the
    /// finite-difference estimator. A <see cref="ModulePolicy"/> over a Conv/ReLU/Linear <c>Sequential</c> with a strided
    /// convolution (the Nature CNN) runs its forward pass and the exact term through <see cref="ExplicitInputGradients"/>
    /// (same values and gradients up to float rounding, faster forward and backward) unless
    /// <paramref name="explicitGradients"/> is false; other students use their own forward and autograd's double backward.
    /// <paramref name="labelMask"/> (<c>[*in]</c>, from <see cref="LabelMask"/>; null: every input element) restricts the
    /// Sobolev term to the input elements the labels are the teacher's derivative on.
    /// </summary>
    public static LossParts Compute(IPolicy student, ReplayBatch batch, LossOptions options, LabelMode sobolev, double temperature,
        double weight, Generator? directions = null, bool explicitGradients = true, Tensor? labelMask = null)
    {
        using var scope = NewDisposeScope();
        if (options.InputNoise > 0)
            batch = batch with { Observations = Noisy(batch.Observations, options.InputNoise, directions ?? throw new ArgumentNullException(nameof(directions), "input noise is drawn from a generator")) };
        bool exact = sobolev.Kind != LabelKind.None && options.Estimator == SobolevEstimator.Exact;
        var chain = explicitGradients && student is ModulePolicy module ? ExplicitInputGradients.TryCreate(module.Network) : null;
        if (chain is { HasStridedConvolution: false }) chain = null;
        var x = exact && chain is null ? batch.Observations.detach().requires_grad_(true) : batch.Observations;
        var logits = chain is null ? student.Logits(x) : chain.Forward(Scaled(x, ((ModulePolicy)student).InputScale), recordForVjp: exact);
        var logp = F.log_softmax(logits.DividedBy(temperature), -1);
        var value = ValueLoss(logits, logp, batch.TeacherLogits, options.Value, temperature);
        Tensor derivative = sobolev.Kind == LabelKind.None
            ? zeros([], dtype: value.dtype, device: value.device)
            : exact
                ? ExactTerm(logp, x, batch, sobolev, options, chain, temperature, (student as ModulePolicy)?.InputScale ?? 1.0, directions, labelMask)
                : FiniteDifferenceTerm(student, batch, sobolev, options, temperature, directions ?? throw new ArgumentNullException(nameof(directions)), labelMask);
        var total = weight == 0 || sobolev.Kind == LabelKind.None ? value.Plus(derivative.Times(0.0)) : value.Plus(derivative.Times(weight));
        var parts = new LossParts(value, derivative, total);
        parts.Value.MoveToOuterDisposeScope();
        parts.Sobolev.MoveToOuterDisposeScope();
        parts.Total.MoveToOuterDisposeScope();
        return parts;
    }

    /// <summary>
    /// The input mask of a dataset's labels (<c>[*in]</c> on <paramref name="device"/>): 0 on the first
    /// <see cref="DatasetSummary.UnlabelledChannels"/> channels (the older frames of a recurrent teacher's stack, whose
    /// labels are zeros by construction), 1 elsewhere; null when every channel is labelled.
    /// </summary>
    public static Tensor? LabelMask(DatasetSummary data, Device device)
    {
        if (data.UnlabelledChannels <= 0) return null;
        var mask = ones(data.ObservationShape, dtype: ScalarType.Float32, device: device);
        using (no_grad()) mask.narrow(0, 0, data.UnlabelledChannels).zero_();
        return mask;
    }

    /// <summary>Loss on values: KL(π_t ‖ π_s) at τ, MSE of logits, or NLL of the teacher's arg-max action; mean over the batch.</summary>
    public static Tensor ValueLoss(Tensor studentLogits, Tensor studentLogPolicy, Tensor teacherLogits, ValueLossKind kind, double temperature)
    {
        var t = teacherLogits.to(studentLogits.dtype);
        switch (kind)
        {
            case ValueLossKind.Mse:
                return (studentLogits - t).Square().mean();
            case ValueLossKind.Nll:
                return F.nll_loss(studentLogits.log_softmax(-1), t.argmax(-1));
            default:
                var teacherLogp = F.log_softmax(t.DividedBy(temperature), -1);
                return (teacherLogp.exp() * (teacherLogp - studentLogPolicy)).sum(-1).mean();
        }
    }

    /// <summary>Throws a <see cref="UserErrorException"/> when the Sobolev term cannot be computed from labels of <paramref name="labels"/>.</summary>
    public static void CheckCompatible(LabelMode sobolev, LabelMode labels)
    {
        bool ok = sobolev.Kind switch
        {
            LabelKind.None => true,
            LabelKind.Full => labels.Kind == LabelKind.Full,
            _ => labels.Kind == LabelKind.Vjp && labels.Projections >= sobolev.Projections,
        };
        if (!ok)
            throw new UserErrorException(
                $"Sobolev term '{sobolev}' needs {(sobolev.Kind == LabelKind.Full ? "full" : $"vjp:K labels with K >= {sobolev.Projections}")} gradient labels, but the dataset has '{labels}'; " +
                $"set loss.sobolev={(labels.Kind == LabelKind.None ? "off" : labels.ToString())} or collect a dataset with matching labels");
    }

    /// <summary>Checks that the derivative form <paramref name="form"/> can be computed from the Sobolev term <paramref name="sobolev"/>; a user error otherwise.</summary>
    public static void CheckForm(DerivativeForm form, LabelMode sobolev, SobolevEstimator estimator, string path)
    {
        if (form == DerivativeForm.Rows || sobolev.Kind == LabelKind.None) return;
        if (estimator != SobolevEstimator.Exact)
            throw new UserErrorException($"config {path}.derivative_form: the finite-difference estimator supports only the rows form; set {path}.estimator=exact or {path}.derivative_form=rows");
        if (DerivativeForms.NeedsFullLabels(form) && sobolev.Kind != LabelKind.Full)
            throw new UserErrorException($"config {path}.derivative_form: {form.ToString().ToLowerInvariant()} needs full Jacobian labels (loss.sobolev=full), not '{sobolev}'; use derivative_form=projection or relative with vjp labels");
    }

    // The term of options.DerivativeForm on the student's log-policy rows, through the one derivative-loss path.
    private static Tensor ExactTerm(Tensor logp, Tensor x, ReplayBatch batch, LabelMode sobolev, LossOptions options,
        ExplicitInputGradients? chain, double temperature, double inputScale, Generator? directions, Tensor? labelMask)
    {
        var (teacher, v) = TeacherRows(batch, sobolev);
        StudentRows student = chain is not null ? rows => ExplicitRows(chain, logp, rows, temperature, inputScale) : SobolevTerm.Autograd(logp, x);
        return SobolevTerm.Exact(student, teacher, v, TermOptions(options),
            () => F.log_softmax(batch.TeacherLogits.to(logp.dtype).DividedBy(temperature), -1), directions, labelMask);
    }

    /// <summary>The <see cref="SobolevTerm"/> options of a distillation loss's <c>loss.*</c> keys.</summary>
    public static DerivativeTermOptions TermOptions(LossOptions options) =>
        new(options.DerivativeForm, options.DerivativeLoss, options.Projections, options.RelativeFloor);

    // Rows ∂⟨v_k, ℓ⟩/∂x of ℓ = log softmax(z/τ), [B, K, *in] (v null: the identity rows, the full Jacobian). The cotangent at
    // the logits is (v_k − π·Σv_k)/τ, and the network sees x·scale, hence the final factor.
    private static Tensor ExplicitRows(ExplicitInputGradients chain, Tensor logp, Tensor? v, double temperature, double inputScale)
    {
        var rows = v is null
            ? eye(logp.shape[1], dtype: logp.dtype, device: logp.device).unsqueeze(1).expand(-1, logp.shape[0], -1)
            : v.to(logp.dtype).transpose(0, 1);
        var cotangents = (rows - logp.exp().unsqueeze(0) * rows.sum(-1, keepdim: true)).DividedBy(temperature);
        return Scaled(chain.Vjp(cotangents), inputScale).transpose(0, 1);
    }

    // x + σ·δ with δ ~ N(0, I) drawn on the CPU generator (the same draws on every device).
    private static Tensor Noisy(Tensor x, double sigma, Generator generator)
    {
        var clean = x.is_floating_point() ? x : x.to(ScalarType.Float32);
        var noise = randn(x.shape, dtype: ScalarType.Float32, device: CPU, generator: generator).to(clean.dtype, clean.device);
        return clean.Plus(noise.Times(sigma));
    }

    private static Tensor Scaled(Tensor t, double scale) => scale == 1.0 ? t : t.Times(scale);

    // The finite-difference estimate of the rows term, on the log-policy ℓ = log softmax(z/τ).
    private static Tensor FiniteDifferenceTerm(IPolicy student, ReplayBatch batch, LabelMode sobolev, LossOptions options, double temperature, Generator directions,
        Tensor? labelMask)
    {
        var (teacher, v) = TeacherRows(batch, sobolev);
        return SobolevTerm.FiniteDifference(input => F.log_softmax(student.Logits(input).DividedBy(temperature), -1),
            batch.Observations, teacher, v, options.FdDirections, options.FdStep, directions, labelMask);
    }

    private static (Tensor Teacher, Tensor? V) TeacherRows(ReplayBatch batch, LabelMode sobolev)
    {
        var labels = batch.GradLabels ?? throw new UserErrorException($"Sobolev term '{sobolev}' needs gradient labels, but the batch has none");
        if (sobolev.Kind == LabelKind.Full) return (labels, null);
        var v = batch.Projections ?? throw new UserErrorException($"Sobolev term '{sobolev}' needs the projection vectors of the labels");
        return (labels.narrow(1, 0, sobolev.Projections), v.narrow(1, 0, sobolev.Projections));
    }
}
