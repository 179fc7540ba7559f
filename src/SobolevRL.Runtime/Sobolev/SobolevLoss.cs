using TorchSharp;
using static TorchSharp.torch;
using SobolevRL.Hardware;

namespace SobolevRL.Sobolev;

/// <summary>
/// Sobolev loss (Czarnecki et al., NIPS 2017, Eq. 1): a value loss plus Σ_j λ_j times a loss on
/// the j-th input-derivatives of the student against the target's.
/// </summary>
/// <remarks>
/// Student derivatives are computed with <c>create_graph</c>, so <c>Total.backward()</c> reaches
/// the student parameters through the derivatives (double backward). All new tensors are created
/// on the device and dtype of the input batch. Call inside a dispose scope.
/// </remarks>
public sealed class SobolevLoss
{
    private readonly SobolevOptions _options;
    private readonly Func<Tensor, Tensor, Tensor> _valueLoss;

    /// <summary>
    /// Creates the loss. <paramref name="valueLoss"/> compares student and target values
    /// (both <c>[B, O]</c>); the default is the mean squared error.
    /// </summary>
    public SobolevLoss(SobolevOptions options, Func<Tensor, Tensor, Tensor>? valueLoss = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Projections, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.HessianProjections, 1);
        _options = options;
        _valueLoss = valueLoss ?? ((s, t) => (s - t).Square().mean());
    }

    /// <summary>The options this loss was created with.</summary>
    public SobolevOptions Options => _options;

    /// <summary>
    /// Evaluates the loss of <paramref name="student"/> (input <c>[B, *in]</c> → output
    /// <c>[B, O]</c>) on the batch <paramref name="x"/> against <paramref name="target"/> bound to
    /// the same batch. <paramref name="directions"/> seeds the random directions of the stochastic
    /// estimators (required when <see cref="SobolevOptions.IsStochastic"/>).
    /// </summary>
    public SobolevLossParts Compute(Func<Tensor, Tensor> student, Tensor x, ISobolevTarget target, Generator? directions = null)
    {
        if (_options.IsStochastic && directions is null)
        {
            throw new ArgumentException("Stochastic derivative estimators need a generator for their random directions.", nameof(directions));
        }

        bool needsInputGrad = _options.Order1 is Order1Estimator.FullJacobian or Order1Estimator.OutputProjection or Order1Estimator.InputProjection
            || _options.Order2Weight != 0.0;
        var input = needsInputGrad ? x.detach().requires_grad_(true) : x;
        var y = student(input);
        var value = _valueLoss(y, target.Values());

        var order1 = Order1(student, input, y, target, directions);
        var order2 = _options.Order2Weight != 0.0 ? Order2(input, y, target, directions!) : null;

        var total = value;
        if (order1 is not null && _options.Order1Weight != 0.0)
        {
            total = total.Plus(order1.Times(_options.Order1Weight));
        }

        if (order2 is not null)
        {
            total = total.Plus(order2.Times(_options.Order2Weight));
        }

        return new SobolevLossParts(total, value, order1, order2);
    }

    private Tensor? Order1(Func<Tensor, Tensor> student, Tensor x, Tensor y, ISobolevTarget target, Generator? directions)
    {
        var kind = _options.DerivativeLoss;
        int k = _options.Projections;
        switch (_options.Order1)
        {
            case Order1Estimator.None:
                return null;
            case Order1Estimator.FullJacobian:
                return DerivativeLoss.Compute(InputDerivatives.Jacobian(y, x, createGraph: true), target.Jacobian(), kind);
            case Order1Estimator.OutputProjection:
                {
                    var v = RandomDirections.UnitVectors(y.shape[0], k, [y.shape[1]], directions!, y.dtype, y.device);
                    var student1 = InputDerivatives.VectorJacobianProducts(y, x, v, createGraph: true);
                    return DerivativeLoss.Compute(student1, target.VectorJacobianProducts(v), kind);
                }

            case Order1Estimator.InputProjection:
                {
                    var u = InputDirections(x, k, directions!);
                    var student1 = InputDerivatives.JacobianVectorProducts(y, x, u, createGraph: true);
                    return DerivativeLoss.Compute(student1, target.JacobianVectorProducts(u), kind);
                }

            case Order1Estimator.FiniteDifference:
                {
                    var u = InputDirections(x, k, directions!);
                    var student1 = FiniteDifferenceDirectional.Estimate(student, x.detach(), u, _options.FiniteDifferenceStep);
                    return DerivativeLoss.Compute(student1, target.JacobianVectorProducts(u), kind);
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(directions), _options.Order1, "Unknown first-order estimator.");
        }
    }

    private Tensor Order2(Tensor x, Tensor y, ISobolevTarget target, Generator directions)
    {
        // A vector output is reduced to one random projection per example; a scalar output is used as is.
        var v = y.shape[1] == 1
            ? ones_like(y)
            : RandomDirections.UnitVectors(y.shape[0], 1, [y.shape[1]], directions, y.dtype, y.device).squeeze(1);
        var u = InputDirections(x, _options.HessianProjections, directions);
        var student2 = InputDerivatives.HessianVectorProducts((y * v).sum(dim: 1), x, u, createGraph: true);
        return DerivativeLoss.Compute(student2, target.HessianVectorProducts(v, u), _options.DerivativeLoss);
    }

    private static Tensor InputDirections(Tensor x, int count, Generator directions) =>
        RandomDirections.UnitVectors(x.shape[0], count, x.shape[1..], directions, x.dtype, x.device);
}
