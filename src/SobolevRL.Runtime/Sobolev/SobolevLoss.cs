using TorchSharp;
using static TorchSharp.torch;
using SobolevRL.Hardware;

namespace SobolevRL.Sobolev;

/// <summary>
/// Sobolev regression loss (Czarnecki et al., NIPS 2017, Eq. 1) on labelled values and input Jacobians: a value loss
/// plus λ times the <see cref="SobolevTerm"/> between the student's input Jacobian and the labels (paper experiment 1,
/// and the synthetic-gradient critic).
/// </summary>
/// <remarks>
/// Student derivatives are computed with <c>create_graph</c>, so <c>Total.backward()</c> reaches the student parameters
/// through the derivatives (double backward). Call inside a dispose scope.
/// </remarks>
public sealed class SobolevLoss
{
    private readonly double _weight;
    private readonly DerivativeTermOptions _term;
    private readonly Func<Tensor, Tensor, Tensor> _valueLoss;

    /// <summary>
    /// Creates the loss with the derivative weight λ (0: values only, no derivatives computed) and the distance of the
    /// derivative term. <paramref name="valueLoss"/> compares student and target values (both <c>[B, O]</c>); the default
    /// is the mean squared error.
    /// </summary>
    public SobolevLoss(double derivativeWeight, DerivativeTermOptions? term = null, Func<Tensor, Tensor, Tensor>? valueLoss = null)
    {
        _weight = derivativeWeight;
        _term = term ?? new DerivativeTermOptions();
        _valueLoss = valueLoss ?? ((s, t) => (s - t).Square().mean());
    }

    /// <summary>
    /// Evaluates the loss of <paramref name="student"/> (input <c>[B, *in]</c> → output <c>[B, O]</c>) on the batch
    /// <paramref name="x"/> against the labels <paramref name="values"/> <c>[B, O]</c> and <paramref name="jacobian"/>
    /// <c>[B, O, *in]</c>. <paramref name="generator"/> draws the directions of the projection form.
    /// </summary>
    public SobolevLossParts Compute(Func<Tensor, Tensor> student, Tensor x, Tensor values, Tensor jacobian, Generator? generator = null)
    {
        if (values.dim() != 2 || jacobian.dim() < 3 || jacobian.shape[0] != values.shape[0] || jacobian.shape[1] != values.shape[1])
        {
            throw new ArgumentException(
                $"Expected values [B, O] and a Jacobian [B, O, *in]; got [{string.Join(", ", values.shape)}] and [{string.Join(", ", jacobian.shape)}].");
        }

        var input = _weight != 0.0 ? x.detach().requires_grad_(true) : x;
        var y = student(input);
        var value = _valueLoss(y, values.detach());
        if (_weight == 0.0)
        {
            return new SobolevLossParts(value, value, null);
        }

        var derivative = SobolevTerm.Exact(SobolevTerm.Autograd(y, input), jacobian.detach(), null, _term, generator: generator);
        return new SobolevLossParts(value.Plus(derivative.Times(_weight)), value, derivative);
    }
}
