using SobolevRL.Teachers;
using static TorchSharp.torch;
using SobolevRL.Policies;

namespace SobolevRL.Collection;

/// <summary>
/// A policy other than the teacher that acts during collection (DAgger, mixtures). The ONNX student goes through
/// <see cref="PolicyStudentDriver"/>; a TorchSharp student checkpoint implements this interface directly.
/// </summary>
public interface IStudentDriver : IDisposable
{
    /// <summary>Number of actions.</summary>
    int Actions { get; }

    /// <summary>Shape of one stacked observation, CHW.</summary>
    long[] ObservationShape { get; }

    /// <summary>Acting logits B × A for float32 observations B × X (env range) on the teacher's device; no gradients needed.</summary>
    Tensor ActingLogits(Tensor observations);
}

/// <summary>A student driver over any <see cref="IPolicy"/> (e.g. an ONNX file loaded like a teacher).</summary>
public sealed class PolicyStudentDriver(IPolicy policy) : IStudentDriver
{
    /// <inheritdoc />
    public int Actions => policy.Actions;

    /// <inheritdoc />
    public long[] ObservationShape => policy.ObservationShape;

    /// <inheritdoc />
    public Tensor ActingLogits(Tensor observations)
    {
        using var noGrad = no_grad();
        using var x = observations.to(policy.Device);
        return policy.Logits(x).detach();
    }

    /// <inheritdoc />
    public void Dispose() => policy.Dispose();
}
