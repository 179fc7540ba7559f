using SobolevRL.Hardware;
using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Sobolev;

/// <summary>
/// The student's derivative rows <c>[B, R, *in]</c> for output directions <c>v</c> <c>[B, R, O]</c> (the rows
/// ∂⟨v_r, y⟩/∂x), or the full input Jacobian <c>[B, O, *in]</c> when <c>v</c> is null. They must carry the graph to
/// the student's parameters (double backward, or explicit ops).
/// </summary>
public delegate Tensor StudentRows(Tensor? directions);

/// <summary>How <see cref="SobolevTerm.Exact"/> compares the student's derivative rows with the teacher's.</summary>
/// <param name="Form">The distance (<see cref="DerivativeForm"/>).</param>
/// <param name="RowLoss">The row distance of <see cref="DerivativeForm.Rows"/>.</param>
/// <param name="Projections">Directions per state of <see cref="DerivativeForm.Projection"/>.</param>
/// <param name="RelativeFloor">Lower bound of the denominator of <see cref="DerivativeForm.Relative"/>.</param>
public sealed record DerivativeTermOptions(
    DerivativeForm Form = DerivativeForm.Rows,
    DerivativeLossKind RowLoss = DerivativeLossKind.SquaredL2,
    int Projections = 1,
    double RelativeFloor = 1e-3);

/// <summary>
/// The one derivative-loss path (the Sobolev term of Czarnecki et al. 2017, Eq. 1): the distance between a student's
/// input derivatives and a teacher's labels. Distillation (log-policy rows against stored gradient labels), the
/// regression of paper experiment 1 and the synthetic-gradient critic all compute their term here.
/// </summary>
public static class SobolevTerm
{
    /// <summary>
    /// The exact term of <paramref name="options"/>' form between the student's rows and <paramref name="teacher"/>
    /// (<c>[B, R, *in]</c>: the full Jacobian when <paramref name="directions"/> is null, else the rows ∂⟨v_r, f⟩/∂x of the
    /// output directions <paramref name="directions"/> <c>[B, R, O]</c>). The projection form first replaces the teacher's
    /// rows by random projections of them (drawn from <paramref name="generator"/>) and compares rows in squared L2;
    /// <paramref name="teacherLogPolicy"/> (<c>[B, O]</c>) weights the Fisher form and is asked for only by it.
    /// <paramref name="inputMask"/> (<c>[*in]</c>, 1 or 0; null: all 1) leaves out the input elements whose labels are not
    /// the teacher's derivative (see <see cref="MaskRows"/>).
    /// </summary>
    public static Tensor Exact(StudentRows student, Tensor teacher, Tensor? directions, DerivativeTermOptions options,
        Func<Tensor>? teacherLogPolicy = null, Generator? generator = null, Tensor? inputMask = null)
    {
        var form = options.Form;
        var rowLoss = options.RowLoss;
        double scale = 1.0;
        if (form == DerivativeForm.Projection)
        {
            var projected = DerivativeForms.Project(teacher, directions, options.Projections,
                generator ?? throw new ArgumentNullException(nameof(generator), "the projection form draws its directions from a generator"));
            (teacher, directions, scale, form, rowLoss) = (projected.Teacher, projected.Directions, projected.Scale, DerivativeForm.Rows, DerivativeLossKind.SquaredL2);
        }
        var rows = MaskRows(student(directions), inputMask);
        teacher = MaskRows(teacher, inputMask);
        Tensor? weights = null;
        if (form == DerivativeForm.Fisher)
            weights = (teacherLogPolicy ?? throw new ArgumentNullException(nameof(teacherLogPolicy), "the Fisher form weights rows by the teacher's policy"))();
        return DerivativeForms.Compute(rows, teacher, form, rowLoss, weights, options.RelativeFloor).Times(scale);
    }

    /// <summary>
    /// Rows <c>[B, R, *in]</c> with the input elements where <paramref name="inputMask"/> (<c>[*in]</c>) is 0 set to zero;
    /// <paramref name="rows"/> itself when the mask is null. Every form sums over input elements, so the masked term is
    /// the same distance restricted to the labelled elements: for a frame-stack student distilled from a recurrent teacher,
    /// whose labels on the older frames are zeros by construction (the teacher given its state does not read them), not a
    /// derivative to match.
    /// </summary>
    public static Tensor MaskRows(Tensor rows, Tensor? inputMask) => inputMask is null ? rows : rows * inputMask.to(rows.dtype, rows.device);

    /// <summary>
    /// The student rows of <paramref name="output"/> (<c>[B, O]</c>, computed from <paramref name="input"/>, which requires
    /// grad) by autograd with <c>create_graph</c>: the full Jacobian, or the VJPs of the given directions.
    /// </summary>
    public static StudentRows Autograd(Tensor output, Tensor input) => v => v is null
        ? InputDerivatives.Jacobian(output, input, createGraph: true)
        : InputDerivatives.VectorJacobianProducts(output, input, v.to(output.dtype), createGraph: true);

    /// <summary>
    /// The finite-difference estimate of the squared-L2 rows term: for <paramref name="count"/> unit input directions u_m
    /// per state, compares ⟨v, J_s u_m⟩ (central differences of <paramref name="student"/> at <paramref name="x"/> with
    /// <paramref name="step"/>, forward passes only) with ⟨g_t, u_m⟩ of the teacher's rows. Since E[⟨a, u⟩²] = ‖a‖²/|X|
    /// for u uniform on the unit sphere, scaling by |X|/M makes it an unbiased estimate of the exact term. With
    /// <paramref name="inputMask"/> the directions are masked, M⊙u, and E[⟨a, M⊙u⟩²] = ‖M⊙a‖²/|X| makes the same scaling an
    /// unbiased estimate of the masked exact term.
    /// </summary>
    public static Tensor FiniteDifference(Func<Tensor, Tensor> student, Tensor x, Tensor teacher, Tensor? directions,
        int count, double step, Generator generator, Tensor? inputMask = null)
    {
        long b = x.shape[0], size = x[0].numel();
        var u = MaskRows(RandomDirections.UnitVectors(b, count, x.shape[1..], generator, x.dtype, x.device), inputMask);
        var teacherDirectional = teacher.flatten(2).to(x.dtype).bmm(u.flatten(2).transpose(1, 2));
        var studentJu = FiniteDifferenceDirectional.Estimate(student, x, u, step).transpose(1, 2);
        var studentDirectional = directions is null ? studentJu : directions.to(x.dtype).bmm(studentJu);
        return DerivativeLoss.Compute(studentDirectional, teacherDirectional, DerivativeLossKind.SquaredL2).Times((double)size / count);
    }
}
