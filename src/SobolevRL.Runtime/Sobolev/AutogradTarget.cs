using static TorchSharp.torch;

namespace SobolevRL.Sobolev;

/// <summary>
/// A target given as a differentiable function (a teacher network or a closed-form function
/// written with tensor ops); its derivatives come from autograd, without keeping a graph.
/// </summary>
public sealed class AutogradTarget : ISobolevTarget
{
    private readonly Func<Tensor, Tensor> _function;
    private readonly Tensor _x;
    private Tensor? _y;

    /// <summary>Binds <paramref name="function"/> (input <c>[B, *in]</c> → output <c>[B, O]</c>) to the batch <paramref name="x"/>.</summary>
    public AutogradTarget(Func<Tensor, Tensor> function, Tensor x)
    {
        _function = function;
        _x = x.detach().requires_grad_(true);
    }

    private Tensor Output => _y ??= _function(_x);

    /// <inheritdoc />
    public Tensor Values() => Output.detach();

    /// <inheritdoc />
    public Tensor Jacobian() => InputDerivatives.Jacobian(Output, _x, createGraph: false);

    /// <inheritdoc />
    public Tensor VectorJacobianProducts(Tensor v) =>
        InputDerivatives.VectorJacobianProducts(Output, _x, v, createGraph: false);

    /// <inheritdoc />
    public Tensor JacobianVectorProducts(Tensor u) =>
        InputDerivatives.JacobianVectorProducts(Output, _x, u, createGraph: false).detach();

    /// <inheritdoc />
    public Tensor HessianVectorProducts(Tensor v, Tensor u)
    {
        var projected = (Output * v).sum(dim: 1);
        return InputDerivatives.HessianVectorProducts(projected, _x, u, createGraph: false).detach();
    }
}
