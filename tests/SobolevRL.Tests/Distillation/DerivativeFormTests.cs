using SobolevRL.Config;
using SobolevRL.Hardware;
using SobolevRL.Sobolev;
using SobolevRL.Tests.Sobolev;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SobolevRL.Tests.Distillation;

/// <summary>
/// The distillation Sobolev term through the one derivative-loss path: every form and label mode against finite differences of
/// the parameters and against closed forms, and the finite-difference estimator against the exact term.
/// </summary>
[Collection(TorchGlobalState.Name)]
public class DerivativeFormTests
{
    public DerivativeFormTests() => DistillFixtures.SingleThread();

    internal const int Actions = 3;

    /// <summary>A smooth (tanh) policy on [2, 2, 2] observations with 3 actions, float64.</summary>
    internal static ModulePolicy Smooth(int seed)
    {
        torch.manual_seed(seed);
        var net = nn.Sequential(nn.Flatten(), nn.Linear(2 * 2 * 2, 6), nn.Tanh(), nn.Linear(6, Actions));
        net.to(float64);
        return new ModulePolicy(net, [2, 2, 2], Actions);
    }

    // A policy with logits W·flatten(x) + c: its log-policy Jacobian is (I − 1πᵀ)·W, known in closed form.
    private static ModulePolicy Linear(Tensor weight, Tensor bias)
    {
        var layer = nn.Linear(weight.shape[1], weight.shape[0]);
        layer.to(float64);
        using (no_grad())
        {
            layer.weight!.copy_(weight);
            layer.bias!.copy_(bias);
        }
        return new ModulePolicy(nn.Sequential(nn.Flatten(), layer), [weight.shape[1]], (int)weight.shape[0]);
    }

    [Fact]
    public void CenteredRowsOfTheLogPolicyJacobianAreTheCentredLogitJacobian()
    {
        torch.manual_seed(3);
        using var w = randn([Actions, 5], float64);
        using var policy = Linear(w, zeros([Actions], float64));
        using var x = randn([1, 5], float64).requires_grad_(true);
        using var logp = F.log_softmax(policy.Logits(x), -1);
        using var jacobian = InputDerivatives.Jacobian(logp, x, createGraph: false);
        using var centred = jacobian - jacobian.mean([1], keepdim: true);
        using var p = eye(Actions, dtype: float64) - ones([Actions, Actions], float64).DividedBy(Actions);
        using var expected = p.matmul(w).unsqueeze(0);
        Assert.True(allclose(centred, expected, rtol: 1e-10, atol: 1e-12));
    }

    [Fact]
    public void CenteredFisherAndRelativeFormsEqualTheirDefinitions()
    {
        torch.manual_seed(4);
        using var s = randn([3, Actions, 2, 2], float64);
        using var t = randn([3, Actions, 2, 2], float64);
        using var logits = randn([3, Actions], float64);
        using var logPolicy = F.log_softmax(logits, -1);
        var sd = s.flatten(2).data<double>().ToArray();
        var td = t.flatten(2).data<double>().ToArray();
        var pi = logPolicy.exp().data<double>().ToArray();
        double centred = 0, fisher = 0, relative = 0;
        const int inputs = 4;
        const double floor = 0.5;
        var p = new double[Actions, Actions];
        for (int a = 0; a < Actions; a++)
            for (int c = 0; c < Actions; c++)
                p[a, c] = (a == c ? 1.0 : 0.0) - 1.0 / Actions;
        for (int b = 0; b < 3; b++)
        {
            double diff2 = 0, teacher2 = 0;
            for (int a = 0; a < Actions; a++)
            {
                double row2 = 0;
                for (int i = 0; i < inputs; i++)
                {
                    double d = sd[(b * Actions + a) * inputs + i] - td[(b * Actions + a) * inputs + i];
                    row2 += d * d;
                    teacher2 += td[(b * Actions + a) * inputs + i] * td[(b * Actions + a) * inputs + i];
                    double projected = 0;
                    for (int c = 0; c < Actions; c++)
                        projected += p[a, c] * (sd[(b * Actions + c) * inputs + i] - td[(b * Actions + c) * inputs + i]);
                    centred += projected * projected / (3 * Actions);
                }
                diff2 += row2;
                fisher += pi[b * Actions + a] * row2 / 3;
            }
            relative += diff2 / Math.Max(teacher2, floor) / 3;
        }
        double Form(DerivativeForm form, double f = floor) =>
            DerivativeForms.Compute(s, t, form, DerivativeLossKind.SquaredL2, logPolicy, f).item<double>();
        Assert.Equal(centred, Form(DerivativeForm.Centered), 1e-10);
        Assert.Equal(fisher, Form(DerivativeForm.Fisher), 1e-10);
        Assert.Equal(relative, Form(DerivativeForm.Relative), 1e-10);
        // A floor above every ‖J_t‖² turns the relative form into ‖ΔJ‖²/floor.
        using var total = (s - t).Square().sum([1, 2, 3]).mean();
        Assert.Equal(total.item<double>() / 1e6, Form(DerivativeForm.Relative, 1e6), 1e-12);
    }

    // Where the two policies agree, KL(π_t(x) ‖ π_s(x)) has zero value and gradient in x, and its input Hessian is
    // Σ_a π_a Δg_a Δg_aᵀ: its trace, by central second differences, is the Fisher form (so E_δ KL ≈ σ²/2 · form).
    [Fact]
    public void FisherFormIsTheTraceOfTheKlInputHessianWherePoliciesAgree()
    {
        torch.manual_seed(5);
        const int inputs = 4;
        using var wt = randn([Actions, inputs], float64);
        using var ws = randn([Actions, inputs], float64);
        using var ct = randn([Actions], float64);
        using var x0 = randn([inputs], float64);
        using var cs = ct + (wt - ws).matmul(x0);
        using var teacher = Linear(wt, ct);
        using var student = Linear(ws, cs);
        double Kl(Tensor x)
        {
            using var scope = NewDisposeScope();
            var lt = F.log_softmax(teacher.Logits(x.unsqueeze(0)), -1);
            var ls = F.log_softmax(student.Logits(x.unsqueeze(0)), -1);
            return (lt.exp() * (lt - ls)).sum().item<double>();
        }
        const double h = 1e-3;
        double trace = 0;
        for (int i = 0; i < inputs; i++)
        {
            using var e = zeros([inputs], float64);
            e[i] = tensor(h, float64);
            using var plus = x0 + e;
            using var minus = x0 - e;
            trace += (Kl(plus) + Kl(minus) - 2 * Kl(x0)) / (h * h);
        }
        using var xb = x0.unsqueeze(0);
        using var labelsT = Labeler.Label(teacher, xb, LabelMode.Full);
        using var labelsS = Labeler.Label(student, xb, LabelMode.Full);
        using var logPolicy = F.log_softmax(labelsT.Logits, -1);
        double fisher = DerivativeForms.Compute(labelsS.GradLabels!, labelsT.GradLabels!, DerivativeForm.Fisher, DerivativeLossKind.SquaredL2, logPolicy, 1e-3).item<double>();
        Assert.Equal(0.0, Kl(x0), 12);
        Assert.InRange(trace / fisher, 0.999, 1.001);
    }

    [Fact]
    public void ProjectionsFromFullLabelsAreSumZeroUnitAndEstimateTheCentredForm()
    {
        torch.manual_seed(6);
        using var s = randn([2, Actions, 4], float64);
        using var t = randn([2, Actions, 4], float64);
        using var generator = new Generator(7);
        using var projected = DerivativeForms.Project(t, null, 20000, generator);
        Assert.True(projected.Directions.sum(2).abs().max().item<double>() < 1e-12);
        Assert.True(projected.Directions.norm(2, keepdim: false).Plus(-1.0).abs().max().item<double>() < 1e-12);
        using var expectedTeacher = projected.Directions.bmm(t);
        Assert.True(allclose(projected.Teacher, expectedTeacher, rtol: 1e-12, atol: 1e-12));
        using var studentRows = projected.Directions.bmm(s);
        double estimate = DerivativeLoss.Compute(studentRows, projected.Teacher, DerivativeLossKind.SquaredL2).item<double>() * projected.Scale;
        using var logPolicy = zeros([2, Actions], float64);
        double centred = DerivativeForms.Compute(s, t, DerivativeForm.Centered, DerivativeLossKind.SquaredL2, logPolicy, 1e-3).item<double>();
        Assert.InRange(estimate / centred, 0.97, 1.03);
    }

    [Fact]
    public void ProjectionsOfStoredVjpsEstimateTheirSquaredRowLoss()
    {
        torch.manual_seed(8);
        using var jacobianS = randn([2, Actions, 4], float64);
        using var jacobianT = randn([2, Actions, 4], float64);
        using var stored = RandomDirections.UnitVectors(2, 2, [Actions], new Generator(9), float64, CPU);
        using var labels = stored.bmm(jacobianT);
        using var generator = new Generator(10);
        using var projected = DerivativeForms.Project(labels, stored, 20000, generator);
        using var expectedTeacher = projected.Directions.bmm(jacobianT);
        Assert.True(allclose(projected.Teacher, expectedTeacher, rtol: 1e-10, atol: 1e-12));
        using var studentRows = projected.Directions.bmm(jacobianS);
        double estimate = DerivativeLoss.Compute(studentRows, projected.Teacher, DerivativeLossKind.SquaredL2).item<double>() * projected.Scale;
        using var storedStudent = stored.bmm(jacobianS);
        double rows = DerivativeLoss.Compute(storedStudent, labels, DerivativeLossKind.SquaredL2).item<double>();
        Assert.InRange(estimate / rows, 0.97, 1.03);
    }

    [Theory]
    [InlineData("full", DerivativeForm.Rows)]
    [InlineData("vjp:2", DerivativeForm.Rows)]
    [InlineData("full", DerivativeForm.Centered)]
    [InlineData("full", DerivativeForm.Fisher)]
    [InlineData("full", DerivativeForm.Relative)]
    [InlineData("full", DerivativeForm.Projection)]
    [InlineData("vjp:2", DerivativeForm.Relative)]
    [InlineData("vjp:2", DerivativeForm.Projection)]
    public void FormParameterGradientEqualsFiniteDifferences(string mode, DerivativeForm form)
    {
        using var teacher = Smooth(1);
        using var student = Smooth(2);
        var labelMode = LabelMode.Parse(mode);
        using var x = rand([4, 2, 2, 2], float64);
        using var labels = Labeler.Label(teacher, x, labelMode, new Generator(5));
        using var batch = new ReplayBatch(x.clone(), labels.Logits.clone(), zeros([4], int64), labels.GradLabels!.clone(), labels.Projections?.clone());
        var options = new LossOptions { Sobolev = mode, DerivativeForm = form, Projections = 2 };
        // The same directions for every evaluation of the projection form.
        double Term()
        {
            using var generator = new Generator(11);
            return DistillationLoss.Compute(student, batch, options, labelMode, 1.0, 1.0, generator).Sobolev.item<double>();
        }

        using (var generator = new Generator(11))
        using (var parts = DistillationLoss.Compute(student, batch, options, labelMode, 1.0, 1.0, generator))
        {
            Assert.True(parts.Sobolev.item<double>() > 0);
            parts.Sobolev.backward();
        }
        ParameterFiniteDifferences.AssertMatch(student.Network, Term, perParameter: 5, "autograd");
    }

    [Fact]
    public void FiniteDifferenceTermEstimatesTheExactTerm()
    {
        using var teacher = Smooth(1);
        using var student = Smooth(2);
        using var x = rand([64, 2, 2, 2], float64);
        using var labels = Labeler.Label(teacher, x, LabelMode.Full);
        using var batch = new ReplayBatch(x.clone(), labels.Logits.clone(), zeros([64], int64), labels.GradLabels!.clone(), null);
        double exact = DistillationLoss.Compute(student, batch, new LossOptions { Sobolev = "full" }, LabelMode.Full, 1.0, 1.0).Sobolev.item<double>();
        var fdOptions = new LossOptions { Sobolev = "full", Estimator = SobolevEstimator.Fd, FdDirections = 64, FdStep = 1e-4 };
        using var generator = new Generator(9);
        double estimate = DistillationLoss.Compute(student, batch, fdOptions, LabelMode.Full, 1.0, 1.0, generator).Sobolev.item<double>();
        Assert.InRange(estimate / exact, 0.8, 1.25);
    }

    [Fact]
    public void InputNoiseControlMatchesTheCleanLabelsAtNoisyInputs()
    {
        using var teacher = Smooth(1);
        using var student = Smooth(2);
        using var x = rand([4, 2, 2, 2], float64);
        using var labels = Labeler.Label(teacher, x, LabelMode.None);
        using var batch = new ReplayBatch(x.clone(), labels.Logits.clone(), zeros([4], int64), null, null);
        var options = new LossOptions { InputNoise = 0.3 };
        double Loss()
        {
            using var generator = new Generator(12);
            return DistillationLoss.Compute(student, batch, options, LabelMode.None, 1.0, 0.0, generator).Total.item<double>();
        }

        using (var generator = new Generator(12))
        {
            using var noise = randn(x.shape, dtype: ScalarType.Float32, generator: generator).to(float64);
            using var noisy = x + noise.Times(0.3);
            using var logp = F.log_softmax(student.Logits(noisy), -1);
            using var expected = DistillationLoss.ValueLoss(student.Logits(noisy), logp, labels.Logits, ValueLossKind.Kl, 1.0);
            Assert.Equal(expected.item<double>(), Loss(), 1e-12);
            using var clean = DistillationLoss.Compute(student, batch, new LossOptions(), LabelMode.None, 1.0, 0.0).Total;
            Assert.NotEqual(clean.item<double>(), Loss(), 6);
        }
        using (var generator = new Generator(12))
        using (var parts = DistillationLoss.Compute(student, batch, options, LabelMode.None, 1.0, 0.0, generator))
            parts.Total.backward();
        ParameterFiniteDifferences.AssertMatch(student.Network, Loss, perParameter: 5, "autograd");
    }

    [Theory]
    [InlineData("loss.sobolev=full", "loss.input_noise=0.5")]
    [InlineData("loss.sobolev=vjp:2", "loss.derivative_form=fisher")]
    [InlineData("loss.sobolev=vjp:2", "loss.derivative_form=centered")]
    [InlineData("loss.sobolev=full", "loss.derivative_form=centered", "loss.estimator=fd")]
    [InlineData("loss.sobolev=full", "loss.relative_floor=0")]
    [InlineData("loss.sobolev=full", "loss.projections=0")]
    public void IncompatibleFormsAreUserErrors(params string[] overrides)
    {
        var e = Assert.Throws<UserErrorException>(() => ConfigLoader.Load<DistillOptions>(null, overrides));
        Assert.Contains("loss.", e.Message);
    }

    [Fact]
    public void FormsParseFromConfig()
    {
        var o = ConfigLoader.Load<DistillOptions>(null, ["loss.sobolev=full", "loss.derivative_form=fisher", "loss.projections=3"]);
        Assert.Equal(DerivativeForm.Fisher, o.Loss.DerivativeForm);
        Assert.Equal(3, o.Loss.Projections);
    }
}
