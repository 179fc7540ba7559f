using static TorchSharp.torch;

namespace SobolevRL.Policies;

/// <summary>
/// A differentiable policy over environment observations: a teacher rebuilt from ONNX, or a TorchSharp student.
/// Observations come as float32 in the range the environment produced (0/1 for grids, 0..255 for Atari frames);
/// any input scaling, layout change or output conversion the network needs happens inside <see cref="Logits"/>.
/// </summary>
public interface IPolicy : IDisposable
{
    /// <summary>Number of actions A.</summary>
    int Actions { get; }

    /// <summary>Shape of one (stacked) observation, CHW.</summary>
    long[] ObservationShape { get; }

    /// <summary>Softmax temperature τ of the policy: π = softmax(z/τ).</summary>
    double Temperature { get; }

    /// <summary>Device the policy's tensors live on.</summary>
    Device Device { get; }

    /// <summary>Policy logits z(x), B × A, differentiable with respect to <paramref name="observations"/> (B × ObservationShape, float32).</summary>
    Tensor Logits(Tensor observations);
}
