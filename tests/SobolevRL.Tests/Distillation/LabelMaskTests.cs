using SobolevRL.Distillation;
using SobolevRL.Evaluation;
using SobolevRL.Policies;
using SobolevRL.Replay;
using SobolevRL.Sobolev;
using SobolevRL.Teachers;
using SobolevRL.Tests.Sobolev;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SobolevRL.Tests.Distillation;

/// <summary>
/// The Sobolev term restricted to the labelled input channels (issue 19): a frame-stack student distilled from a recurrent
/// teacher has zero labels on the older frames that are not the teacher's derivative, and the mask leaves them out. Checked
/// against a closed form (the same form computed on the newest frame's channels alone), against finite differences of the parameters, and the finite-difference estimator against the exact masked term.
/// </summary>
[Collection(TorchGlobalState.Name)]
public class LabelMaskTests
{
    public LabelMaskTests() => DistillFixtures.SingleThread();

    private const int Actions = DerivativeFormTests.Actions;

    // Observations of 2 frames of 1 channel, 2 × 2: the first channel is the older frame.
    private static readonly long[] Shape = [2, 2, 2];

    private static ModulePolicy Smooth(int seed) => DerivativeFormTests.Smooth(seed);

    private static Tensor Mask() => DistillationLoss.LabelMask(Summary(), CPU)!.to(float64);

    private static DatasetSummary Summary() =>
        new("Test-v0", Shape, Actions, LabelMode.Full, 10, 0, "", 1.0) { UnlabelledChannels = 1 };

    // Full labels of a smooth teacher, nonzero on both frames (so the older frame's rows would pull the student).
    private static ReplayBatch Batch(Tensor x, Tensor? olderRows = null)
    {
        using var teacher = Smooth(1);
        using var labels = Labeler.Label(teacher, x, LabelMode.Full);
        var grads = labels.GradLabels!.clone();
        if (olderRows is not null) using (no_grad()) grads.narrow(2, 0, 1).copy_(olderRows);
        return new ReplayBatch(x.clone(), labels.Logits.clone(), zeros([x.shape[0]], int64), grads, null);
    }

    [Fact]
    public void LabelMaskZeroesTheLeadingChannelsOnly()
    {
        using var mask = DistillationLoss.LabelMask(Summary(), CPU)!;
        Assert.Equal(Shape, mask.shape);
        Assert.Equal(0.0, mask[0].sum().item<float>());
        Assert.Equal(4.0, mask[1].sum().item<float>());
        Assert.Null(DistillationLoss.LabelMask(Summary() with { UnlabelledChannels = 0 }, CPU));
    }

    [Theory]
    [InlineData(DerivativeForm.Rows, DerivativeLossKind.SquaredL2)]
    [InlineData(DerivativeForm.Rows, DerivativeLossKind.NormalisedL2)]
    [InlineData(DerivativeForm.Centered, DerivativeLossKind.SquaredL2)]
    [InlineData(DerivativeForm.Fisher, DerivativeLossKind.SquaredL2)]
    [InlineData(DerivativeForm.Relative, DerivativeLossKind.SquaredL2)]
    public void MaskedTermIsTheTermOnTheNewestFrame(DerivativeForm form, DerivativeLossKind rowLoss)
    {
        using var student = Smooth(2);
        using var x = rand([5, .. Shape], float64);
        var options = new LossOptions { Sobolev = "full", DerivativeForm = form, DerivativeLoss = rowLoss };
        using var mask = Mask();
        using var batch = Batch(x);
        double masked = DistillationLoss.Compute(student, batch, options, LabelMode.Full, 1.0, 1.0, labelMask: mask).Sobolev.item<double>();

        // Closed form: the same form on the newest frame's channel alone, from the student's own Jacobian by autograd.
        using var xg = x.detach().requires_grad_(true);
        using var logp = F.log_softmax(student.Logits(xg), -1);
        using var own = InputDerivatives.Jacobian(logp, xg, createGraph: false);
        using var expected = DerivativeForms.Compute(own.narrow(2, 1, 1), batch.GradLabels!.narrow(2, 1, 1), form, rowLoss,
            F.log_softmax(batch.TeacherLogits, -1), options.RelativeFloor);
        Assert.Equal(expected.item<double>(), masked, 1e-9);

        // The older frame's labels no longer matter; without the mask they do.
        using var other = Batch(x, randn([5, Actions, 1, 2, 2], float64));
        Assert.Equal(masked, DistillationLoss.Compute(student, other, options, LabelMode.Full, 1.0, 1.0, labelMask: mask).Sobolev.item<double>(), 1e-12);
        Assert.NotEqual(DistillationLoss.Compute(student, batch, options, LabelMode.Full, 1.0, 1.0).Sobolev.item<double>(),
            DistillationLoss.Compute(student, other, options, LabelMode.Full, 1.0, 1.0).Sobolev.item<double>(), 6);
    }

    [Theory]
    [InlineData("full")]
    [InlineData("vjp:2")]
    public void MaskedTermParameterGradientEqualsFiniteDifferences(string mode)
    {
        using var teacher = Smooth(1);
        using var student = Smooth(2);
        var labelMode = LabelMode.Parse(mode);
        using var x = rand([4, .. Shape], float64);
        using var labels = Labeler.Label(teacher, x, labelMode, new Generator(5));
        using var batch = new ReplayBatch(x.clone(), labels.Logits.clone(), zeros([4], int64), labels.GradLabels!.clone(), labels.Projections?.clone());
        var options = new LossOptions { Sobolev = mode };
        using var mask = Mask();
        double Term() => DistillationLoss.Compute(student, batch, options, labelMode, 1.0, 1.0, labelMask: mask).Sobolev.item<double>();
        using (var parts = DistillationLoss.Compute(student, batch, options, labelMode, 1.0, 1.0, labelMask: mask))
        {
            Assert.True(parts.Sobolev.item<double>() > 0);
            parts.Sobolev.backward();
        }
        ParameterFiniteDifferences.AssertMatch(student.Network, Term, perParameter: 5, "autograd");
    }

    [Fact]
    public void HeldOutGradientErrorIsPooledOverTheLabelledChannels()
    {
        // Held-out metrics run in float32, as students do.
        using var student = Smooth(2);
        student.Network.to(float32);
        using var x = rand([6, .. Shape], float64);
        using var mask = Mask();
        static ReplayBatch Float32(ReplayBatch b) => new(b.Observations.to(float32), b.TeacherLogits.to(float32), b.TeacherActions.clone(), b.GradLabels!.to(float32), null);
        using var batch64 = Batch(x);
        using var other64 = Batch(x, randn([6, Actions, 1, 2, 2], float64));
        using var batch = Float32(batch64);
        using var other = Float32(other64);
        double masked = HeldOutMetrics.Compute(student, batch, 1.0, labelMask: mask).GradientRelativeError;
        Assert.Equal(masked, HeldOutMetrics.Compute(student, other, 1.0, labelMask: mask).GradientRelativeError, 1e-6);
        Assert.NotEqual(HeldOutMetrics.Compute(student, batch, 1.0).GradientRelativeError, HeldOutMetrics.Compute(student, other, 1.0).GradientRelativeError, 3);
        // sqrt(Σ‖Δ‖² / Σ‖g_t‖²) over the newest channel, by hand.
        using var xg = batch.Observations.detach().requires_grad_(true);
        using var own = InputDerivatives.Jacobian(F.log_softmax(student.Logits(xg), -1), xg, createGraph: false).narrow(2, 1, 1).to(float64);
        using var labels = batch.GradLabels!.narrow(2, 1, 1).to(float64);
        Assert.Equal(Math.Sqrt((own - labels).square().sum().item<double>() / labels.square().sum().item<double>()), masked, 1e-5);
    }

    [Fact]
    public void FiniteDifferenceEstimatorEstimatesTheMaskedTerm()
    {
        using var student = Smooth(2);
        using var x = rand([64, .. Shape], float64);
        using var batch = Batch(x);
        using var mask = Mask();
        double exact = DistillationLoss.Compute(student, batch, new LossOptions { Sobolev = "full" }, LabelMode.Full, 1.0, 1.0, labelMask: mask).Sobolev.item<double>();
        double unmasked = DistillationLoss.Compute(student, batch, new LossOptions { Sobolev = "full" }, LabelMode.Full, 1.0, 1.0).Sobolev.item<double>();
        var fdOptions = new LossOptions { Sobolev = "full", Estimator = SobolevEstimator.Fd, FdDirections = 64, FdStep = 1e-4 };
        using var generator = new Generator(9);
        double estimate = DistillationLoss.Compute(student, batch, fdOptions, LabelMode.Full, 1.0, 1.0, generator, labelMask: mask).Sobolev.item<double>();
        Assert.InRange(estimate / exact, 0.8, 1.25);
        Assert.True(Math.Abs(unmasked / exact - 1) > 0.3, $"masked {exact} and unmasked {unmasked} must differ for the check to have teeth");
    }
}
