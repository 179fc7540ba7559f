using SobolevRL.Hardware;
using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Sobolev;

/// <summary>Distances between student and teacher derivatives laid out <c>[B, R, *rest]</c>.</summary>
/// <remarks>
/// Each row (one output's gradient, or one projection) is flattened to a vector; the loss is the
/// distance per row, averaged over batch and rows. With unit directions uniform on the sphere, the
/// mean squared output-space projection is an unbiased estimate of the full-Jacobian loss (both
/// equal ‖ΔJ‖²_F / O), while the input-space projection estimates ‖ΔJ‖²_F / |x|.
/// </remarks>
public static class DerivativeLoss
{
    /// <summary>Guards the normalisation of a zero vector.</summary>
    public const double NormEpsilon = 1e-12;

    /// <summary>Mean over batch and rows of the chosen row distance.</summary>
    public static Tensor Compute(Tensor student, Tensor teacher, DerivativeLossKind kind)
    {
        if (!student.shape.SequenceEqual(teacher.shape))
        {
            throw new ArgumentException(
                $"Student derivatives [{string.Join(", ", student.shape)}] and teacher derivatives [{string.Join(", ", teacher.shape)}] differ in shape.");
        }

        if (student.dim() < 2)
        {
            throw new ArgumentException("Derivatives must be laid out [B, R, ...].", nameof(student));
        }

        var s = student.dim() == 2 ? student.unsqueeze(-1) : student.flatten(2);
        var t = (teacher.dim() == 2 ? teacher.unsqueeze(-1) : teacher.flatten(2)).to(s.dtype);
        if (kind == DerivativeLossKind.NormalisedL2)
        {
            s = s / s.norm(dim: 2, keepdim: true).AtLeast(NormEpsilon);
            t = t / t.norm(dim: 2, keepdim: true).AtLeast(NormEpsilon);
        }

        return (s - t).Square().sum(dim: 2).mean();
    }
}
