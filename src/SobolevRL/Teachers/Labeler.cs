using SobolevRL.Hardware;
using SobolevRL.Sobolev;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SobolevRL.Teachers;

/// <summary>Computes teacher labels: logits, log-policy and exact gradient labels of ℓ(x) = log softmax(z(x)/τ).</summary>
public static class Labeler
{
    /// <summary>
    /// Labels a batch. <paramref name="observations"/> is float32 B × X on the policy's device. For <c>vjp:K</c> the
    /// projection vectors are drawn from <paramref name="projections"/> (uniform on the unit sphere of action space).
    /// Labels that are NaN or infinite are a <see cref="UserErrorException"/> naming the states, numbered from
    /// <paramref name="firstStateIndex"/> (the position of this batch in the caller's data).
    /// </summary>
    public static TeacherLabels Label(IPolicy policy, Tensor observations, LabelMode mode, Generator? projections = null, long firstStateIndex = 0)
    {
        using var scope = NewDisposeScope();
        bool needGrad = mode.Kind != LabelKind.None;
        using var x = observations.detach().requires_grad_(needGrad);
        using var gradMode = needGrad ? enable_grad() : no_grad();
        var logits = policy.Logits(x);
        var logp = F.log_softmax(logits.DividedBy(policy.Temperature), -1);
        Tensor? gradients = null, v = null;
        switch (mode.Kind)
        {
            case LabelKind.Full:
                gradients = InputDerivatives.Jacobian(logp, x, createGraph: false);
                break;
            case LabelKind.Vjp:
                v = RandomDirections.UnitVectors(x.shape[0], mode.Projections, [policy.Actions], projections ?? new Generator(0), x.dtype, policy.Device);
                gradients = InputDerivatives.VectorJacobianProducts(logp, x, v, createGraph: false);
                break;
        }
        var labels = new TeacherLabels(logits.detach(), logp.detach(), gradients?.detach(), v?.detach());
        RequireFinite(labels, firstStateIndex);
        labels.Logits.MoveToOuterDisposeScope();
        labels.LogPolicy.MoveToOuterDisposeScope();
        labels.Gradients?.MoveToOuterDisposeScope();
        labels.Projections?.MoveToOuterDisposeScope();
        return labels;
    }

    /// <summary>Throws a <see cref="UserErrorException"/> listing the states (numbered from <paramref name="firstStateIndex"/>) whose labels are NaN or infinite.</summary>
    public static void RequireFinite(TeacherLabels labels, long firstStateIndex = 0)
    {
        using var scope = NewDisposeScope();
        // NaN and ±Inf survive a sum, so one reduction per tensor clears the common case; a finite overflow of the sum
        // only sends us to the per-state search below, which then finds nothing.
        Tensor total = labels.Logits.sum().Plus(labels.LogPolicy.sum());
        if (labels.Gradients is { } all) total += all.sum();
        if (total.isfinite().item<bool>()) return;
        long batch = labels.Logits.shape[0];
        Tensor bad = labels.Logits.isfinite().logical_not().reshape(batch, -1).any(1)
            .logical_or(labels.LogPolicy.isfinite().logical_not().reshape(batch, -1).any(1));
        if (labels.Gradients is { } g) bad = bad.logical_or(g.isfinite().logical_not().reshape(batch, -1).any(1));
        if (!bad.any().item<bool>()) return;
        long[] states = bad.nonzero().reshape(-1).cpu().data<long>().Select(i => i + firstStateIndex).ToArray();
        string listed = string.Join(", ", states.Take(20)) + (states.Length > 20 ? $", ... ({states.Length} in all)" : "");
        throw new UserErrorException($"the teacher gives NaN or infinite labels (logits, log-policy or gradients) for states {listed}; check those inputs and the model");
    }
}
