using static TorchSharp.torch;

namespace SobolevRL.Sobolev;

/// <summary>
/// The function a student is fit to (paper's f), evaluated at one input batch <c>x</c> of shape
/// <c>[B, *in]</c>: its values and whichever derivatives the chosen estimators need. Results carry
/// no graph (labels).
/// </summary>
public interface ISobolevTarget
{
    /// <summary>Values f(x), shape <c>[B, O]</c>.</summary>
    Tensor Values();

    /// <summary>Full Jacobian ∂f/∂x, shape <c>[B, O, *in]</c>.</summary>
    Tensor Jacobian();

    /// <summary>∂⟨v_k, f⟩/∂x for <paramref name="v"/> <c>[B, K, O]</c>; result <c>[B, K, *in]</c>.</summary>
    Tensor VectorJacobianProducts(Tensor v);

    /// <summary>J·u_k for <paramref name="u"/> <c>[B, K, *in]</c>; result <c>[B, K, O]</c>.</summary>
    Tensor JacobianVectorProducts(Tensor u);

    /// <summary>
    /// Hessian of the projected output ⟨v, f⟩ times u_k, for <paramref name="v"/> <c>[B, O]</c> and
    /// <paramref name="u"/> <c>[B, K, *in]</c>; result <c>[B, K, *in]</c>.
    /// </summary>
    Tensor HessianVectorProducts(Tensor v, Tensor u);
}
