using static TorchSharp.torch;

namespace SobolevRL.Sobolev;

/// <summary>
/// A target given as labels at a batch: values <c>[B, O]</c> and the full Jacobian
/// <c>[B, O, *in]</c> (e.g. closed-form gradients, or labels stored in a dataset). Projections are
/// computed from the Jacobian. Second-order labels are not available.
/// </summary>
public sealed class JacobianTarget : ISobolevTarget
{
    private readonly Tensor _values;
    private readonly Tensor _jacobian;

    /// <summary>Wraps the labels of one batch.</summary>
    public JacobianTarget(Tensor values, Tensor jacobian)
    {
        if (values.dim() != 2 || jacobian.dim() < 3 || jacobian.shape[0] != values.shape[0] || jacobian.shape[1] != values.shape[1])
        {
            throw new ArgumentException(
                $"Expected values [B, O] and a Jacobian [B, O, *in]; got [{string.Join(", ", values.shape)}] and [{string.Join(", ", jacobian.shape)}].");
        }

        _values = values.detach();
        _jacobian = jacobian.detach();
    }

    /// <inheritdoc />
    public Tensor Values() => _values;

    /// <inheritdoc />
    public Tensor Jacobian() => _jacobian;

    /// <inheritdoc />
    public Tensor VectorJacobianProducts(Tensor v)
    {
        var flat = _jacobian.flatten(2);
        var products = matmul(v.to(flat.dtype), flat);
        return products.reshape(new long[] { v.shape[0], v.shape[1] }.Concat(_jacobian.shape[2..]).ToArray());
    }

    /// <inheritdoc />
    public Tensor JacobianVectorProducts(Tensor u)
    {
        var flat = _jacobian.flatten(2);
        return matmul(u.to(flat.dtype).flatten(2), flat.transpose(1, 2));
    }

    /// <inheritdoc />
    public Tensor HessianVectorProducts(Tensor v, Tensor u) =>
        throw new NotSupportedException("A Jacobian target has no second-order labels; use an AutogradTarget for order 2.");
}
