using SobolevRL.Evaluation;
using SobolevRL.Tests.Distillation;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Evaluation;

[Collection(TorchGlobalState.Name)]
public class EvaluationTests
{
    public EvaluationTests() => DistillFixtures.SingleThread();

    [Fact]
    public void StudentEqualToTeacherHasZeroKlFullAgreementAndNoGradientError()
    {
        var data = DistillFixtures.Full;
        var teacher = DistillFixtures.LabellingTeacher;
        var result = HeldOutMetrics.Compute(teacher, data.HeldOut, data.Summary.Temperature, chunk: 50);
        Assert.Equal(data.HeldOut.Size, result.States);
        Assert.InRange(result.Kl, -1e-6, 1e-6);
        Assert.Equal(1.0, result.Agreement);
        Assert.True(result.GradientRelativeError is >= 0 and <= 1e-5, $"gradient error {result.GradientRelativeError}, labels finite: {data.HeldOut.GradLabels!.isfinite().all().item<bool>()}, max |label| {data.HeldOut.GradLabels!.abs().max().item<float>()}");
    }

    [Fact]
    public void DifferentStudentHasPositiveKlAndGradientError()
    {
        var data = DistillFixtures.Vjp;
        manual_seed(99);
        using var other = new Policies.ModulePolicy(Policies.PolicyNetworks.MinAtarCnn((int)data.Summary.ObservationShape[0], data.Summary.Actions, 4, 16),
            data.Summary.ObservationShape, data.Summary.Actions);
        var result = HeldOutMetrics.Compute(other, data.HeldOut, 1.0);
        Assert.True(result.Kl > 0.01);
        Assert.True(result.GradientRelativeError > 0.1);
    }

    [Fact]
    public void ReturnStatisticsUseTheStudentTInterval()
    {
        var s = ReturnStatistics.Of([1, 2, 3, 4, 5]);
        Assert.Equal(3.0, s.Mean, 12);
        Assert.Equal(3.0, s.Median, 12);
        Assert.Equal(Math.Sqrt(2.5), s.Std, 12);
        Assert.Equal(3.0 - 2.776 * Math.Sqrt(2.5) / Math.Sqrt(5), s.CiLow, 9);
        Assert.Equal(2.000, ReturnStatistics.TQuantile975(60), 3);
        Assert.Equal(1.984, ReturnStatistics.TQuantile975(100), 3);
        Assert.Equal(2.5, ReturnStatistics.Of([4, 1, 3, 2]).Median, 12);
        Assert.True(double.IsNaN(ReturnStatistics.Of([7]).CiLow));
    }

    [Fact]
    public void EpisodesOfTheTeacherAreReproducible()
    {
        var data = DistillFixtures.Full;
        var teacher = DistillFixtures.LabellingTeacher;
        var options = EvaluationProtocol.Options(DistillFixtures.EnvId);
        var a = EpisodeEvaluator.Run(DistillFixtures.EnvId, options, EpisodeEvaluator.Greedy(teacher), 3);
        var b = EpisodeEvaluator.Run(DistillFixtures.EnvId, EvaluationProtocol.Options(DistillFixtures.EnvId), EpisodeEvaluator.Greedy(teacher), 3);
        Assert.Equal(3, a.Episodes);
        Assert.Equal(a, b);
    }
}
