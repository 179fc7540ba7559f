using SobolevRL.Sobolev;
using TorchSharp;
using static SobolevRL.Tests.Sobolev.TestTensors;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Sobolev;

public class SobolevLossTests
{
    private const int N = 4, I = 3, H = 5, O = 2;

    public static TheoryData<Order1Estimator, DerivativeLossKind, double> Configurations => new()
    {
        { Order1Estimator.FullJacobian, DerivativeLossKind.SquaredL2, 0.0 },
        { Order1Estimator.FullJacobian, DerivativeLossKind.NormalisedL2, 0.0 },
        { Order1Estimator.OutputProjection, DerivativeLossKind.SquaredL2, 0.0 },
        { Order1Estimator.OutputProjection, DerivativeLossKind.NormalisedL2, 0.0 },
        { Order1Estimator.InputProjection, DerivativeLossKind.SquaredL2, 0.0 },
        { Order1Estimator.FiniteDifference, DerivativeLossKind.SquaredL2, 0.0 },
        { Order1Estimator.None, DerivativeLossKind.SquaredL2, 0.7 },
        { Order1Estimator.InputProjection, DerivativeLossKind.NormalisedL2, 0.3 },
    };

    /// <summary>
    /// The double-backward parameter gradient of the whole loss must equal the finite-difference
    /// slope of the loss recomputed with a perturbed parameter (same random directions each time).
    /// </summary>
    [Theory]
    [MemberData(nameof(Configurations))]
    public void ParameterGradient_MatchesFiniteDifferencesOnParameters(Order1Estimator order1, DerivativeLossKind kind, double order2Weight)
    {
        using var scope = NewDisposeScope();
        var student = new TanhModel(I, H, O, seed: 21);
        var teacher = new TanhModel(I, H, O, seed: 22, requiresGrad: false);
        var x = Randn(23, N, I);
        var loss = new SobolevLoss(new SobolevOptions
        {
            Order1 = order1,
            Order1Weight = 0.8,
            Projections = 2,
            Order2Weight = order2Weight,
            HessianProjections = 2,
            DerivativeLoss = kind,
            FiniteDifferenceStep = 1e-3,
        });
        double Evaluate() => loss.Compute(student.Forward, x, new AutogradTarget(teacher.Forward, x), new Generator(99)).Total.item<double>();

        var parts = loss.Compute(student.Forward, x, new AutogradTarget(teacher.Forward, x), new Generator(99));
        parts.Total.backward();
        Assert.True((order1 == Order1Estimator.None) == (parts.Order1 is null));
        Assert.True((order2Weight == 0.0) == (parts.Order2 is null));

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

    [Fact]
    public void DerivativeTerms_VanishWhenStudentEqualsTarget_AndNotOtherwise()
    {
        using var scope = NewDisposeScope();
        var model = new TanhModel(I, H, O, seed: 31);
        var other = new TanhModel(I, H, O, seed: 32);
        var x = Randn(33, N, I);
        var loss = new SobolevLoss(new SobolevOptions { Order1 = Order1Estimator.InputProjection, Projections = 3, Order2Weight = 1.0 });

        var same = loss.Compute(model.Forward, x, new AutogradTarget(model.Forward, x), new Generator(1));
        var different = loss.Compute(model.Forward, x, new AutogradTarget(other.Forward, x), new Generator(1));

        Assert.True(same.Total.item<double>() < 1e-20);
        Assert.True(different.Order1!.item<double>() > 1e-3);
        Assert.True(different.Order2!.item<double>() > 1e-3);
    }

    /// <summary>
    /// With unit directions uniform on the sphere, E‖vᵀΔJ‖² = ‖ΔJ‖²_F / O (the full-Jacobian loss)
    /// and E‖ΔJ u‖² = ‖ΔJ‖²_F / I.
    /// </summary>
    [Fact]
    public void SquaredProjections_EstimateTheFullJacobianLossWithoutBias()
    {
        using var scope = NewDisposeScope();
        var student = new TanhModel(I, H, O, seed: 41, requiresGrad: false);
        var teacher = new TanhModel(I, H, O, seed: 42, requiresGrad: false);
        // 25 copies of the batch: many examples share each Jacobian, so few backward passes give many samples.
        var x = Randn(43, N, I).repeat(25, 1);
        double Order1(Order1Estimator estimator, int k) =>
            new SobolevLoss(new SobolevOptions { Order1 = estimator, Projections = k })
                .Compute(student.Forward, x, new AutogradTarget(teacher.Forward, x), new Generator(7)).Order1!.item<double>();

        var full = Order1(Order1Estimator.FullJacobian, 1);
        var output = Order1(Order1Estimator.OutputProjection, 120);
        var input = Order1(Order1Estimator.InputProjection, 120);

        Assert.InRange(output / full, 0.95, 1.05);
        Assert.InRange(input / (full * O / I), 0.95, 1.05);
    }

    [Fact]
    public void JacobianTarget_GivesTheSameLabelsAsAutograd()
    {
        using var scope = NewDisposeScope();
        var teacher = new TanhModel(I, H, O, seed: 51, requiresGrad: false);
        var x = Randn(52, N, I);
        var autograd = new AutogradTarget(teacher.Forward, x);
        var labels = new JacobianTarget(teacher.Forward(x), teacher.ClosedFormJacobian(x));
        var v = Randn(53, N, 2, O);
        var u = Randn(54, N, 2, I);

        AssertClose(autograd.Values(), labels.Values(), 1e-14);
        AssertClose(autograd.Jacobian(), labels.Jacobian(), 1e-12);
        AssertClose(autograd.VectorJacobianProducts(v), labels.VectorJacobianProducts(v), 1e-12);
        AssertClose(autograd.JacobianVectorProducts(u), labels.JacobianVectorProducts(u), 1e-12);
        Assert.Throws<NotSupportedException>(() => labels.HessianVectorProducts(v[.., 0], u));
    }

    [Fact]
    public void StochasticEstimators_RequireAGenerator()
    {
        using var scope = NewDisposeScope();
        var model = new TanhModel(I, H, O, seed: 61);
        var x = Randn(62, N, I);
        var loss = new SobolevLoss(new SobolevOptions { Order1 = Order1Estimator.OutputProjection });
        Assert.Throws<ArgumentException>(() => loss.Compute(model.Forward, x, new AutogradTarget(model.Forward, x)));
    }
}
