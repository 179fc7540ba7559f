using SobolevRL.Hardware;
using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Sobolev;

/// <summary>Which distance between the student's and the teacher's log-policy input derivatives the Sobolev term is.</summary>
public enum DerivativeForm
{
    /// <summary>
    /// Each label row (a Jacobian row ∇log π_a, or a stored VJP vᵀJ) against the student's, by <c>loss.derivative_loss</c>
    /// (squared L2 or the per-row normalised L2), averaged over batch and rows (the original term).
    /// </summary>
    Rows,

    /// <summary>
    /// Squared L2 of the centred Jacobians J_c = (I − 11ᵀ/A)·J_logp (the input Jacobian of the logits up to a common
    /// shift and 1/τ), averaged over batch and rows; needs full labels.
    /// </summary>
    Centered,

    /// <summary>
    /// Σ_a π_t,a ‖∇log π_s,a − ∇log π_t,a‖², averaged over the batch: the trace of the input Hessian of
    /// KL(π_t ‖ π_s) where the policies agree, so λ·term is the second-order part of E_δ KL(π_t(x+δ) ‖ π_s(x+δ)) for
    /// δ ~ N(0, σ²I) with λ = σ²/2. Needs full labels.
    /// </summary>
    Fisher,

    /// <summary>Per state ‖ΔJ‖²_F / max(‖J_t‖²_F, <c>loss.relative_floor</c>), averaged over the batch.</summary>
    Relative,

    /// <summary>
    /// Stochastic projections redrawn every step: from full labels, <c>loss.projections</c> directions uniform on the
    /// sum-zero unit sphere of the actions (scaled by (A−1)/A, an unbiased estimate of <see cref="Centered"/>); from stored
    /// vjp:K labels, unit-sphere combinations of the K stored directions (an unbiased estimate of <see cref="Rows"/> with
    /// squared L2).
    /// </summary>
    Projection,
}

/// <summary>
/// The derivative distances of <see cref="DerivativeForm"/> on rows laid out <c>[B, R, *in]</c>, and the random
/// projections of <see cref="DerivativeForm.Projection"/>.
/// </summary>
public static class DerivativeForms
{
    /// <summary>True when <paramref name="form"/> needs every row of the teacher's Jacobian (full labels).</summary>
    public static bool NeedsFullLabels(DerivativeForm form) => form is DerivativeForm.Centered or DerivativeForm.Fisher;

    /// <summary>
    /// The term of <paramref name="form"/> (not <see cref="DerivativeForm.Projection"/>, which is <see cref="DerivativeForm.Rows"/>
    /// with squared L2 on projected rows times <see cref="ProjectedRows.Scale"/>). <paramref name="teacherLogPolicy"/> [B, A]
    /// weights the Fisher form (only it needs one); <paramref name="relativeFloor"/> bounds the relative form's denominator from below.
    /// </summary>
    public static Tensor Compute(Tensor student, Tensor teacher, DerivativeForm form, DerivativeLossKind rowLoss, Tensor? teacherLogPolicy, double relativeFloor)
    {
        if (form == DerivativeForm.Rows) return DerivativeLoss.Compute(student, teacher, rowLoss);
        if (!student.shape.SequenceEqual(teacher.shape) || student.dim() < 3)
            throw new ArgumentException($"derivatives must be laid out [B, R, *in] alike; got [{string.Join(", ", student.shape)}] and [{string.Join(", ", teacher.shape)}]");
        using var scope = NewDisposeScope();
        var s = student.flatten(2);
        var t = teacher.flatten(2).to(s.dtype);
        var difference = s - t;
        Tensor result = form switch
        {
            DerivativeForm.Centered => (difference - difference.mean([1], keepdim: true)).Square().sum(2).mean(),
            DerivativeForm.Fisher => (difference.Square().sum(2) * (teacherLogPolicy ?? throw new ArgumentNullException(nameof(teacherLogPolicy), "the Fisher form weights rows by the teacher's policy")).to(s.dtype).exp()).sum(1).mean(),
            DerivativeForm.Relative => (difference.Square().sum([1, 2]) / t.Square().sum([1, 2]).AtLeast(relativeFloor)).mean(),
            _ => throw new ArgumentOutOfRangeException(nameof(form), form, "the projection form is computed on projected rows"),
        };
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Draws the directions of the projection form for one batch: <paramref name="count"/> per state, from
    /// <paramref name="generator"/> (CPU, so a seed gives the same draws on every device).
    /// </summary>
    /// <param name="labels">The batch's gradient labels: full [B, A, *in] or stored VJPs [B, K, *in].</param>
    /// <param name="storedDirections">The stored VJP directions [B, K, A] (null for full labels).</param>
    /// <param name="count">Directions per state.</param>
    /// <param name="generator">Source of the random directions.</param>
    public static ProjectedRows Project(Tensor labels, Tensor? storedDirections, int count, Generator generator)
    {
        using var scope = NewDisposeScope();
        long b = labels.shape[0], rows = labels.shape[1];
        var flat = labels.flatten(2).to(float64);
        Tensor directions, teacher;
        double scale;
        if (storedDirections is null)
        {
            // Gaussian directions projected onto the sum-zero subspace and normalised are uniform on its unit sphere.
            var u = RandomDirections.UnitVectors(b, count, [rows], generator, float64, labels.device);
            u -= u.mean([2], keepdim: true);
            directions = u / u.norm(dim: 2, keepdim: true).AtLeast(DerivativeLoss.NormEpsilon);
            teacher = directions.bmm(flat);
            // E[uuᵀ] = (I − 11ᵀ/A)/(A − 1), so (A − 1)/A · ‖uᵀΔJ‖² estimates the centred form's mean over rows.
            scale = (rows - 1.0) / rows;
        }
        else
        {
            var w = RandomDirections.UnitVectors(b, count, [rows], generator, float64, labels.device);
            directions = w.bmm(storedDirections.narrow(1, 0, rows).to(float64));
            teacher = w.bmm(flat);
            // E[wwᵀ] = I/K: the mean over the stored rows.
            scale = 1.0;
        }
        var shape = new long[] { b, count }.Concat(labels.shape.Skip(2)).ToArray();
        var result = new ProjectedRows(directions.to(labels.dtype).MoveToOuterDisposeScope(),
            teacher.reshape(shape).to(labels.dtype).MoveToOuterDisposeScope(), scale);
        return result;
    }
}

/// <summary>Randomly projected label rows of the projection form.</summary>
/// <param name="Directions">Directions u in the action space, [B, M, A]: the student's rows are uᵀJ_s.</param>
/// <param name="Teacher">The teacher's projected rows uᵀJ_t, [B, M, *in].</param>
/// <param name="Scale">Factor making the mean squared L2 of the projected rows an unbiased estimate of the full form.</param>
public sealed record ProjectedRows(Tensor Directions, Tensor Teacher, double Scale) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Directions.Dispose();
        Teacher.Dispose();
    }
}
