using static TorchSharp.torch;
using SobolevRL.Hardware;

namespace SobolevRL.Sobolev;

/// <summary>
/// Cheap estimator of directional derivatives by central differences,
/// (m(x + εu) − m(x − εu)) / 2ε ≈ J·u, to be matched against the teacher's exact J·u
/// (Karakida et al., ICML 2023). Costs two extra forward passes instead of a double backward;
/// the parameter gradient is an ordinary backward through those passes.
/// </summary>
public static class FiniteDifferenceDirectional
{
    /// <summary>
    /// A default step for float32 inputs of unit scale: the truncation error grows as ε² and the
    /// rounding error as 1e-7/ε, balanced near 5e-3.
    /// </summary>
    public const double DefaultStep = 5e-3;

    /// <summary>
    /// Estimates J·u_k of <paramref name="model"/> (input <c>[N, *in]</c> → output <c>[N, O]</c>)
    /// at <paramref name="x"/> <c>[B, *in]</c> for directions <paramref name="u"/> <c>[B, K, *in]</c>;
    /// result <c>[B, K, O]</c>. All 2·B·K shifted inputs go through the model as one batch.
    /// </summary>
    public static Tensor Estimate(Func<Tensor, Tensor> model, Tensor x, Tensor u, double step = DefaultStep)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(step, 0.0);
        if (u.dim() != x.dim() + 1 || u.shape[0] != x.shape[0] || !u.shape[2..].SequenceEqual(x.shape[1..]))
        {
            throw new ArgumentException(
                $"Expected directions shaped [B={x.shape[0]}, K, {string.Join(", ", x.shape[1..])}], got [{string.Join(", ", u.shape)}].", nameof(u));
        }

        long batch = u.shape[0], count = u.shape[1];
        var shift = u.to(x.dtype).Times(step);
        var centre = x.unsqueeze(1);
        var shifted = cat([centre.Plus(shift), centre - shift], dim: 0).flatten(0, 1);
        var outputs = model(shifted).reshape(2, batch, count, -1);
        return (outputs[0] - outputs[1]).DividedBy(2.0 * step);
    }
}
