using static TorchSharp.torch;

namespace SobolevRL.Distillation;

/// <summary>The terms of one distillation loss evaluation (scalars; <see cref="Total"/> is differentiable).</summary>
/// <param name="Value">Loss on values (KL, MSE or NLL).</param>
/// <param name="Sobolev">Sobolev term before weighting (zero when off).</param>
/// <param name="Total">Value + λ · Sobolev.</param>
public sealed record LossParts(Tensor Value, Tensor Sobolev, Tensor Total) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Value.Dispose();
        Sobolev.Dispose();
        Total.Dispose();
    }
}
