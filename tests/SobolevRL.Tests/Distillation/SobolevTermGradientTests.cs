using SobolevRL.Distillation;
using SobolevRL.Policies;
using SobolevRL.Replay;
using SobolevRL.Teachers;
using SobolevRL.Tests.Sobolev;
using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Distillation;

[Collection(TorchGlobalState.Name)]
public class SobolevTermGradientTests
{
    public SobolevTermGradientTests() => DistillFixtures.SingleThread();

    private static ModulePolicy Smooth(int seed)
    {
        torch.manual_seed(seed);
        var net = nn.Sequential(nn.Flatten(), nn.Linear(2 * 2 * 2, 6), nn.Tanh(), nn.Linear(6, 3));
        net.to(float64);
        return new ModulePolicy(net, [2, 2, 2], 3);
    }

    [Theory]
    [InlineData("full")]
    [InlineData("vjp:2")]
    public void SobolevTermParameterGradientEqualsFiniteDifferences(string mode)
    {
        using var teacher = Smooth(1);
        using var student = Smooth(2);
        var labelMode = LabelMode.Parse(mode);
        using var x = rand([4, 2, 2, 2], float64);
        using var labels = Labeler.Label(teacher, x, labelMode, new Generator(5));
        using var batch = new ReplayBatch(x.clone(), labels.Logits.clone(), zeros([4], int64), labels.GradLabels!.clone(), labels.Projections?.clone());
        var options = new LossOptions { Sobolev = mode };
        double Term() => DistillationLoss.Compute(student, batch, options, labelMode, 1.0, 1.0).Sobolev.item<double>();

        using (var parts = DistillationLoss.Compute(student, batch, options, labelMode, 1.0, 1.0)) parts.Sobolev.backward();
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
}
