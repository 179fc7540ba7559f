using static TorchSharp.torch;

namespace SobolevRL.Replay;

/// <summary>
/// A minibatch for distillation, on the training device. Shapes use B = batch, A = actions, X = the stacked
/// observation shape (C·k × H × W), K = projections.
/// </summary>
/// <param name="Observations">Stacked observations as float32 (B × X), in the range the environment produced (0/1 or 0..255); input scaling is the network's business.</param>
/// <param name="TeacherLogits">Teacher logits z(x) (B × A), before temperature.</param>
/// <param name="TeacherActions">Actions the collecting policy took (B), int64.</param>
/// <param name="GradLabels">Gradient labels of the teacher's log-policy, float32: B × A × X for <c>full</c>, B × K × X for <c>vjp:K</c>; null for <c>none</c>.</param>
/// <param name="Projections">For <c>vjp:K</c>, the unit vectors v_k (B × K × A) the labels were projected on; otherwise null.</param>
public sealed record ReplayBatch(Tensor Observations, Tensor TeacherLogits, Tensor TeacherActions, Tensor? GradLabels, Tensor? Projections) : IDisposable
{
    /// <summary>Number of states.</summary>
    public long Size => Observations.shape[0];

    /// <inheritdoc />
    public void Dispose()
    {
        Observations.Dispose();
        TeacherLogits.Dispose();
        TeacherActions.Dispose();
        GradLabels?.Dispose();
        Projections?.Dispose();
    }
}
