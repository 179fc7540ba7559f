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
/// derivative. Results are laid out <c>[B, R, *in]</c> where <c>R</c> indexes
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
