using SobolevRL.Sobolev;
using static SobolevRL.Tests.Sobolev.TestTensors;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Sobolev;

/// <summary>The regression's Sobolev loss: value MSE plus λ times the one <see cref="SobolevTerm"/> on labelled Jacobians.</summary>
public class SobolevLossTests
{
    private const int N = 4, I = 3, H = 5, O = 2;

    public static TheoryData<DerivativeForm, DerivativeLossKind, double> Configurations => new()
    {
        { DerivativeForm.Rows, DerivativeLossKind.SquaredL2, 0.8 },
        { DerivativeForm.Rows, DerivativeLossKind.NormalisedL2, 0.8 },
        { DerivativeForm.Centered, DerivativeLossKind.SquaredL2, 0.8 },
        { DerivativeForm.Relative, DerivativeLossKind.SquaredL2, 0.8 },
        { DerivativeForm.Projection, DerivativeLossKind.SquaredL2, 0.8 },
        { DerivativeForm.Rows, DerivativeLossKind.SquaredL2, 0.0 },
    };

    /// <summary>
    /// The double-backward parameter gradient of the whole loss must equal the finite-difference
    /// slope of the loss recomputed with a perturbed parameter (same random directions each time).
    /// </summary>
    [Theory]
    [MemberData(nameof(Configurations))]
    public void ParameterGradient_MatchesFiniteDifferencesOnParameters(DerivativeForm form, DerivativeLossKind kind, double weight)
    {
        using var scope = NewDisposeScope();
        var student = new TanhModel(I, H, O, seed: 21);
        var teacher = new TanhModel(I, H, O, seed: 22, requiresGrad: false);
        var x = Randn(23, N, I);
        var values = teacher.Forward(x);
        var jacobian = teacher.ClosedFormJacobian(x);
        var loss = new SobolevLoss(weight, new DerivativeTermOptions(form, kind, Projections: 2, RelativeFloor: 1e-3));
        double Evaluate() => loss.Compute(student.Forward, x, values, jacobian, new Generator(99)).Total.item<double>();

        var parts = loss.Compute(student.Forward, x, values, jacobian, new Generator(99));
        parts.Total.backward();
        Assert.True((weight == 0.0) == (parts.Derivative is null));

        const double h = 1e-6;
        foreach (var (parameter, i, j) in new[] { (student.A, 0L, 1L), (student.A, 1L, 4L), (student.B, 2L, 0L), (student.B, 4L, 2L) })
        {
            var analytic = parameter.grad![i, j].item<double>();
            double plus, minus;
            using (no_grad())
            {
                parameter[i, j].add_(h);
            }

            plus = Evaluate();
            using (no_grad())
            {
                parameter[i, j].sub_(2 * h);
            }

            minus = Evaluate();
            using (no_grad())
            {
                parameter[i, j].add_(h);
            }

            var numeric = (plus - minus) / (2 * h);
            Assert.True(Math.Abs(analytic - numeric) <= 1e-6 * Math.Max(1.0, Math.Abs(numeric)),
                $"d loss / d param[{i},{j}]: autograd {analytic:G10}, finite difference {numeric:G10}");
        }
    }

    /// <summary>The total is MSE(values) + λ·mean over states and outputs of ‖∇m_o − ∇f_o‖², computed by hand from closed forms.</summary>
    [Fact]
    public void Total_IsTheValueLossPlusLambdaTimesTheMeanSquaredJacobianRowError()
    {
        using var scope = NewDisposeScope();
        var student = new TanhModel(I, H, O, seed: 31);
        var teacher = new TanhModel(I, H, O, seed: 32, requiresGrad: false);
        var x = Randn(33, N, I);
        var parts = new SobolevLoss(0.3).Compute(student.Forward, x, teacher.Forward(x), teacher.ClosedFormJacobian(x));

        var ys = student.Forward(x).detach().data<double>().ToArray();
        var yt = teacher.Forward(x).data<double>().ToArray();
        var js = student.ClosedFormJacobian(x).data<double>().ToArray();
        var jt = teacher.ClosedFormJacobian(x).data<double>().ToArray();
        double value = ys.Zip(yt, (a, b) => (a - b) * (a - b)).Sum() / (N * O);
        double derivative = js.Zip(jt, (a, b) => (a - b) * (a - b)).Sum() / (N * O);
        Assert.Equal(value, parts.Value.item<double>(), 1e-12);
        Assert.Equal(derivative, parts.Derivative!.item<double>(), 1e-10);
        Assert.Equal(value + 0.3 * derivative, parts.Total.item<double>(), 1e-10);
    }

    [Fact]
    public void DerivativeTerm_VanishesWhenStudentEqualsTarget_AndNotOtherwise()
    {
        using var scope = NewDisposeScope();
        var model = new TanhModel(I, H, O, seed: 31);
        var other = new TanhModel(I, H, O, seed: 32, requiresGrad: false);
        var x = Randn(33, N, I);
        var loss = new SobolevLoss(1.0);

        var same = loss.Compute(model.Forward, x, model.Forward(x).detach(), model.ClosedFormJacobian(x));
        var different = loss.Compute(model.Forward, x, other.Forward(x), other.ClosedFormJacobian(x));

        Assert.True(same.Total.item<double>() < 1e-20);
        Assert.True(different.Derivative!.item<double>() > 1e-3);
    }

    [Fact]
    public void RejectsLabelsOfTheWrongShape()
    {
        using var scope = NewDisposeScope();
        var model = new TanhModel(I, H, O, seed: 61);
        var x = Randn(62, N, I);
        var loss = new SobolevLoss(1.0);
        Assert.Throws<ArgumentException>(() => loss.Compute(model.Forward, x, model.Forward(x).detach(), model.ClosedFormJacobian(x)[.., 0]));
    }
}
