using SobolevRL.Hardware;
using SobolevRL.Sobolev;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using SobolevRL.Policies;

namespace SobolevRL.Teachers;

/// <summary>Computes teacher labels: logits, log-policy and exact gradient labels of ℓ(x) = log softmax(z(x)/τ).</summary>
public static class Labeler
{
    /// <summary>
    /// Labels a batch. <paramref name="observations"/> is float32 B × X on the policy's device. For <c>vjp:K</c> the
    /// projection vectors are drawn from <paramref name="projections"/> (uniform on the unit sphere of action space).
    /// Labels that are NaN or infinite are a <see cref="UserErrorException"/> naming the states, numbered from
    /// <paramref name="firstStateIndex"/> (the position of this batch in the caller's data). A recurrent teacher
    /// (<see cref="IRecurrentPolicy"/>) is labelled given <paramref name="state"/> (B × S; null: the zero state of an
    /// episode's start): the gradients are those with respect to the current observation with the state held fixed, and
    /// <see cref="TeacherLabels.NextState"/> is the state after the step.
    /// </summary>
    public static TeacherLabels Label(IPolicy policy, Tensor observations, LabelMode mode, Generator? projections = null, long firstStateIndex = 0, Tensor? state = null)
    {
        using var scope = NewDisposeScope();
        var v = Directions(policy, observations, mode, projections);
        return KeepOutside(LabelWith(policy, observations, mode, v, firstStateIndex, state));
    }

    /// <summary>
    /// Labels a batch as <see cref="Label(IPolicy, Tensor, LabelMode, Generator?, long, Tensor?)"/> does, split into contiguous
    /// shards labelled at once on <paramref name="shards"/>' threads (one libtorch thread each), which beats libtorch's
    /// own intra-op threads on small CPU batches. The projection vectors are drawn for the whole batch first, so they are
    /// the ones the unsharded call draws; the other labels agree with it up to float rounding. Call it from the thread
    /// that created <paramref name="shards"/>. NaN or infinite labels: the states of the lowest failing shard are named.
    /// </summary>
    public static TeacherLabels Label(ShardThreads shards, IPolicy policy, Tensor observations, LabelMode mode, Generator? projections = null, long firstStateIndex = 0, Tensor? state = null)
    {
        long rows = observations.shape[0];
        int used = (int)Math.Min(shards.Count, rows);
        if (used <= 1) return Label(policy, observations, mode, projections, firstStateIndex, state);
        using var scope = NewDisposeScope();
        var v = Directions(policy, observations, mode, projections);
        var parts = new TeacherLabels?[used];
        try
        {
            shards.Run(s =>
            {
                if (s >= used) return;
                (long start, long length) = ShardThreads.Range(rows, used, s);
                // Work threads have no dispose scope: everything they make is disposed here or owned by parts[s].
                using var x = observations.narrow(0, start, length);
                using var vs = v?.narrow(0, start, length);
                using var ss = state?.narrow(0, start, length);
                parts[s] = LabelWith(policy, x, mode, vs, firstStateIndex + start, ss);
            });
            Tensor? Joined(Func<TeacherLabels, Tensor?> pick) => parts[0] is { } first && pick(first) is null ? null : cat(parts.Select(p => pick(p!)!).ToArray(), 0);
            return KeepOutside(new TeacherLabels(Joined(p => p.Logits)!, Joined(p => p.LogPolicy)!, Joined(p => p.GradLabels), v) { NextState = Joined(p => p.NextState) });
        }
        finally
        {
            foreach (var part in parts) part?.Dispose();
        }
    }

    private static Tensor? Directions(IPolicy policy, Tensor observations, LabelMode mode, Generator? projections) =>
        mode.Kind == LabelKind.Vjp
            ? RandomDirections.UnitVectors(observations.shape[0], mode.Projections, [policy.Actions], projections ?? new Generator(0), observations.dtype, policy.Device)
            : null;

    /// <summary>Labels with the given projection vectors <paramref name="v"/> (vjp only); the result is outside any dispose scope.</summary>
    internal static TeacherLabels LabelWith(IPolicy policy, Tensor observations, LabelMode mode, Tensor? v, long firstStateIndex, Tensor? state)
    {
        using var scope = NewDisposeScope();
        bool needGrad = mode.Kind != LabelKind.None;
        using var x = observations.detach().requires_grad_(needGrad);
        using var gradMode = needGrad ? enable_grad() : no_grad();
        Tensor logits;
        Tensor? next = null;
        if (state is not null)
        {
            if (policy is not IRecurrentPolicy recurrent) throw new ArgumentException("a state is given but the policy is not recurrent", nameof(state));
            (logits, next) = recurrent.Step(x, state);
        }
        else logits = policy.Logits(x);
        var logp = F.log_softmax(logits.DividedBy(policy.Temperature), -1);
        Tensor? gradients = mode.Kind switch
        {
            LabelKind.Full => InputDerivatives.Jacobian(logp, x, createGraph: false),
            LabelKind.Vjp => InputDerivatives.VectorJacobianProducts(logp, x, v!, createGraph: false),
            _ => null,
        };
        var labels = new TeacherLabels(logits.detach(), logp.detach(), gradients?.detach(), v?.detach()) { NextState = next };
        RequireFinite(labels, firstStateIndex);
        return KeepOutside(labels);
    }

    private static TeacherLabels KeepOutside(TeacherLabels labels)
    {
        labels.Logits.MoveToOuterDisposeScope();
        labels.LogPolicy.MoveToOuterDisposeScope();
        labels.GradLabels?.MoveToOuterDisposeScope();
        labels.Projections?.MoveToOuterDisposeScope();
        labels.NextState?.MoveToOuterDisposeScope();
        return labels;
    }

    /// <summary>Throws a <see cref="UserErrorException"/> listing the states (numbered from <paramref name="firstStateIndex"/>) whose labels are NaN or infinite.</summary>
    public static void RequireFinite(TeacherLabels labels, long firstStateIndex = 0)
    {
        using var scope = NewDisposeScope();
        // NaN and ±Inf survive a sum, so one reduction per tensor clears the common case; a finite overflow of the sum
        // only sends us to the per-state search below, which then finds nothing.
        Tensor total = labels.Logits.sum().Plus(labels.LogPolicy.sum());
        // Not `+=`: it is tensor + tensor with a temporary alpha Scalar, which the banned-API analyzer does not flag there.
        if (labels.GradLabels is { } all) total = total.Plus(all.sum());
        if (total.isfinite().item<bool>()) return;
        long batch = labels.Logits.shape[0];
        Tensor bad = labels.Logits.isfinite().logical_not().reshape(batch, -1).any(1)
            .logical_or(labels.LogPolicy.isfinite().logical_not().reshape(batch, -1).any(1));
        if (labels.GradLabels is { } g) bad = bad.logical_or(g.isfinite().logical_not().reshape(batch, -1).any(1));
        if (!bad.any().item<bool>()) return;
        long[] states = bad.nonzero().reshape(-1).cpu().data<long>().Select(i => i + firstStateIndex).ToArray();
        string listed = string.Join(", ", states.Take(20)) + (states.Length > 20 ? $", ... ({states.Length} in all)" : "");
        throw new UserErrorException($"the teacher gives NaN or infinite labels (logits, log-policy or gradients) for states {listed}; check those inputs and the model");
    }
}
