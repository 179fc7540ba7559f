using static TorchSharp.torch;

namespace SobolevRL.Teachers;

/// <summary>Labels of a batch of states (all float32, detached): shapes use B, A, K and X = observation shape.</summary>
/// <param name="Logits">z(x), B × A (before temperature).</param>
/// <param name="LogPolicy">ℓ(x) = log softmax(z(x)/τ), B × A.</param>
/// <param name="GradLabels">The gradient labels ∂ℓ/∂x as B × A × X (<c>full</c>) or projections ∂⟨v_k, ℓ⟩/∂x as B × K × X (<c>vjp:K</c>); null for <c>none</c>.</param>
/// <param name="Projections">The unit vectors v_k, B × K × A, for <c>vjp:K</c>; otherwise null.</param>
public sealed record TeacherLabels(Tensor Logits, Tensor LogPolicy, Tensor? GradLabels, Tensor? Projections) : IDisposable
{
    /// <summary>A recurrent teacher's state after the step, B × S (labelled given a state); otherwise null.</summary>
    public Tensor? NextState { get; init; }

    /// <inheritdoc />
    public void Dispose()
    {
        Logits.Dispose();
        LogPolicy.Dispose();
        GradLabels?.Dispose();
        Projections?.Dispose();
        NextState?.Dispose();
    }
}
