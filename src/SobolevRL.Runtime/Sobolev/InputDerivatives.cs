using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Sobolev;

/// <summary>
/// Exact derivatives of a batched model output with respect to its input, by reverse-mode autograd.
/// </summary>
/// <remarks>
/// Conventions: <c>x</c> is the input batch <c>[B, *in]</c> and must require grad; <c>y</c> is the
/// model output <c>[B, O]</c> computed from <c>x</c>. Examples must be independent (no batch norm in
/// training mode), which lets one backward pass over the summed batch give every example's
/// derivative. Results are laid out <c>[B, R, *in]</c> or <c>[B, R, O]</c> where <c>R</c> indexes
/// outputs or projections. With <c>createGraph</c> the results are differentiable functions of the
/// model parameters (double backward), which is what a Sobolev loss on a student needs; teachers
/// pass <c>false</c>.
/// </remarks>
public static class InputDerivatives
{
    /// <summary>Full Jacobian ∂y/∂x, shape <c>[B, O, *in]</c>: one backward pass per output.</summary>
    public static Tensor Jacobian(Tensor y, Tensor x, bool createGraph)
    {
        CheckOutput(y, x);
        var rows = new Tensor[y.shape[1]];
        for (long o = 0; o < rows.Length; o++)
        {
            rows[o] = Grad(y[TensorIndex.Colon, o].sum(), x, null, createGraph);
        }

        return stack(rows, dim: 1);
    }

    /// <summary>
    /// Vector-Jacobian products g_k = ∂⟨v_k, y⟩/∂x for directions <paramref name="v"/> of shape
    /// <c>[B, K, O]</c> in output space; result <c>[B, K, *in]</c>, one backward pass per k.
    /// </summary>
    public static Tensor VectorJacobianProducts(Tensor y, Tensor x, Tensor v, bool createGraph)
    {
        CheckOutput(y, x);
        CheckDirections(v, y.shape[0], [y.shape[1]], nameof(v));
        var rows = new Tensor[v.shape[1]];
        for (long k = 0; k < rows.Length; k++)
        {
            rows[k] = Grad(y, x, v[TensorIndex.Colon, k], createGraph);
        }

        return stack(rows, dim: 1);
    }

    /// <summary>
    /// Jacobian-vector products J·u_k for directions <paramref name="u"/> of shape <c>[B, K, *in]</c>
    /// in input space; result <c>[B, K, O]</c>.
    /// </summary>
    /// <remarks>
    /// TorchSharp has no forward mode, so this uses the exact double-VJP trick: j(w) = ∂⟨w, y⟩/∂x is
    /// linear in a dummy cotangent w, and ∂⟨j(w), u⟩/∂w = J·u whatever the value of w.
    /// </remarks>
    public static Tensor JacobianVectorProducts(Tensor y, Tensor x, Tensor u, bool createGraph)
    {
        CheckOutput(y, x);
        CheckDirections(u, x.shape[0], x.shape[1..], nameof(u));
        using var w = zeros_like(y).requires_grad_(true);
        var j = Grad(y, x, w, createGraph: true);
        var rows = new Tensor[u.shape[1]];
        for (long k = 0; k < rows.Length; k++)
        {
            rows[k] = Grad(j, w, u[TensorIndex.Colon, k], createGraph);
        }

        return stack(rows, dim: 1);
    }

    /// <summary>
    /// Hessian-vector products H·u_k of a scalar-per-example output <paramref name="s"/>
    /// (shape <c>[B]</c>) with directions <paramref name="u"/> of shape <c>[B, K, *in]</c>;
    /// result <c>[B, K, *in]</c>. For a vector output, project it first (s = ⟨v, y⟩).
    /// </summary>
    /// <remarks>Only meaningful for smooth models: a ReLU network's input Hessian is zero almost everywhere.</remarks>
    public static Tensor HessianVectorProducts(Tensor s, Tensor x, Tensor u, bool createGraph)
    {
        if (s.dim() != 1 || s.shape[0] != x.shape[0])
        {
            throw new ArgumentException($"Expected a scalar per example, shape [{x.shape[0]}], got [{string.Join(", ", s.shape)}].", nameof(s));
        }

        CheckDirections(u, x.shape[0], x.shape[1..], nameof(u));
        var gradient = Grad(s.sum(), x, null, createGraph: true);
        var rows = new Tensor[u.shape[1]];
        for (long k = 0; k < rows.Length; k++)
        {
            var directional = (gradient * u[TensorIndex.Colon, k]).sum();
            rows[k] = Grad(directional, x, null, createGraph);
        }

        return stack(rows, dim: 1);
    }

    private static Tensor Grad(Tensor output, Tensor input, Tensor? gradOutput, bool createGraph)
    {
        // TorchSharp's retain_graph does not follow create_graph: several passes share the graph.
        var grads = gradOutput is null
            ? torch.autograd.grad([output], [input], retain_graph: true, create_graph: createGraph)
            : torch.autograd.grad([output], [input], [gradOutput], retain_graph: true, create_graph: createGraph);
        return grads[0];
    }

    private static void CheckOutput(Tensor y, Tensor x)
    {
        if (!x.requires_grad)
        {
            throw new ArgumentException("The input must require grad before the model is evaluated on it.", nameof(x));
        }

        if (y.dim() != 2 || y.shape[0] != x.shape[0])
        {
            throw new ArgumentException($"Expected the output shaped [B={x.shape[0]}, O], got [{string.Join(", ", y.shape)}].", nameof(y));
        }
    }

    private static void CheckDirections(Tensor d, long batch, long[] space, string name)
    {
        if (d.dim() != space.Length + 2 || d.shape[0] != batch || !d.shape[2..].SequenceEqual(space))
        {
            throw new ArgumentException(
                $"Expected directions shaped [B={batch}, K, {string.Join(", ", space)}], got [{string.Join(", ", d.shape)}].", name);
        }
    }
}
