using SobolevRL.Replay;
using SobolevRL.Sobolev;
using SobolevRL.Teachers;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using SobolevRL.Hardware;
using SobolevRL.Policies;

namespace SobolevRL.Evaluation;

/// <summary>How close a student is to the teacher on held-out labelled states.</summary>
/// <param name="States">States evaluated.</param>
/// <param name="Kl">Mean KL(π_t ‖ π_s) at temperature τ.</param>
/// <param name="Agreement">Fraction of states where the student's arg-max action equals the teacher's.</param>
/// <param name="GradientRelativeError">Relative error of the gradient labels over the whole set, sqrt(Σ‖g_s − g_t‖² / Σ‖g_t‖²) summed over states and label rows (NaN without gradient labels). Pooled rather than averaged per row: rows of a nearly deterministic policy are ~0 and their per-row ratio is rounding noise.</param>
public sealed record HeldOutResult(long States, double Kl, double Agreement, double GradientRelativeError);

/// <summary>Computes <see cref="HeldOutResult"/> of a policy against labelled states, in chunks.</summary>
public static class HeldOutMetrics
{
    /// <summary>Gradient-label floats per chunk at most (4M floats: 16 MB per chunk-sized tensor).</summary>
    public const long ChunkLabelFloats = 1L << 22;

    /// <summary>
    /// Compares <paramref name="student"/> with the labels of <paramref name="heldOut"/> at temperature
    /// <paramref name="temperature"/>; gradient errors use the labels' own mode (full Jacobian or the stored projections),
    /// on the input elements of <paramref name="labelMask"/> (<c>[*in]</c>, see <see cref="Distillation.DistillationLoss.LabelMask"/>; null: all).
    /// A chunk holds at most <paramref name="chunk"/> states and, with gradient labels, at most
    /// <see cref="ChunkLabelFloats"/> label floats (Atari-sized labels would otherwise take hundreds of MB per chunk).
    /// </summary>
    public static HeldOutResult Compute(IPolicy student, ReplayBatch heldOut, double temperature, int chunk = 256, Tensor? labelMask = null)
    {
        double kl = 0, agree = 0, errorSquares = 0, labelSquares = 0;
        long n = heldOut.Size;
        if (heldOut.GradLabels is { } g && n > 0) chunk = (int)Math.Clamp(ChunkLabelFloats / Math.Max(1, g.numel() / n), 1, chunk);
        for (long start = 0; start < n; start += chunk)
        {
            using var scope = NewDisposeScope();
            long count = Math.Min(chunk, n - start);
            bool withGrad = heldOut.GradLabels is not null;
            var x = heldOut.Observations.narrow(0, start, count).to(student.Device).detach().requires_grad_(withGrad);
            using var mode = withGrad ? enable_grad() : no_grad();
            var logits = student.Logits(x);
            var logp = F.log_softmax(logits.DividedBy(temperature), -1);
            var teacher = heldOut.TeacherLogits.narrow(0, start, count).to(logits.device).to(logits.dtype);
            var teacherLogp = F.log_softmax(teacher.DividedBy(temperature), -1);
            kl += (teacherLogp.exp() * (teacherLogp - logp)).sum().item<float>();
            agree += logits.argmax(-1).eq(teacher.argmax(-1)).sum().item<long>();
            if (withGrad)
            {
                var labels = SobolevTerm.MaskRows(heldOut.GradLabels!.narrow(0, start, count).to(logits.device).to(logits.dtype), labelMask);
                var grads = heldOut.Projections is null
                    ? InputDerivatives.Jacobian(logp, x, createGraph: false)
                    : InputDerivatives.VectorJacobianProducts(logp, x, heldOut.Projections.narrow(0, start, count).to(logits.device).to(logits.dtype), createGraph: false);
                grads = SobolevTerm.MaskRows(grads, labelMask);
                // Squares summed in float64 without a float64 copy of the chunk.
                errorSquares += (grads - labels).Square().sum(float64).item<double>();
                labelSquares += labels.Square().sum(float64).item<double>();
            }
        }
        return new HeldOutResult(n, kl / n, agree / n,
            heldOut.GradLabels is null ? double.NaN : Math.Sqrt(errorSquares / Math.Max(labelSquares, DerivativeLoss.NormEpsilon)));
    }
}
