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
    /// </summary>
    public static TeacherLabels Label(IPolicy policy, Tensor observations, LabelMode mode, Generator? projections = null)
    {
        using var scope = NewDisposeScope();
        bool needGrad = mode.Kind != LabelKind.None;
        using var x = observations.detach().requires_grad_(needGrad);
        using var gradMode = needGrad ? enable_grad() : no_grad();
        var logits = policy.Logits(x);
        var logp = F.log_softmax(logits / policy.Temperature, -1);
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
        labels.Logits.MoveToOuterDisposeScope();
        labels.LogPolicy.MoveToOuterDisposeScope();
        labels.Gradients?.MoveToOuterDisposeScope();
        labels.Projections?.MoveToOuterDisposeScope();
        return labels;
    }
}
