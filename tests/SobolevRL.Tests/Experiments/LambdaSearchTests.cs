using SobolevRL.Distillation;
using SobolevRL.Experiments;
using SobolevRL.Tests.Distillation;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Experiments;

public class LambdaSearchTests
{
    [Fact]
    public void TheRegularStudentIsAlwaysTheFirstTrialAndTheChosenOneHasTheLowestValidationKl()
    {
        string dir = DistillFixtures.TempDir();
        try
        {
            DistillFixtures.SingleThread();
            var options = DistillFixtures.Options("full", steps: 30) with { Validation = new ValidationOptions { Every = 10 } };
            // A grid without 0 (as the demo's and data-efficiency's lambda_grid keys may be given) still gets its Regular trial.
            var result = LambdaSearch.Run(options, [0.3, 0.03], DistillFixtures.Full, dir, CPU, null, new EpisodePlan(DistillFixtures.EnvId, 0, 0),
                cancel: TestContext.Current.CancellationToken);
            Assert.Equal([0, 0.03, 0.3], result.Trials.Select(t => t.Lambda));
            Assert.Equal("off", result.Trials[0].Student.Distill.Sobolev);
            Assert.NotEqual("off", result.Trials[1].Student.Distill.Sobolev);
            Assert.Equal(result.Trials.MinBy(t => t.Student.Distill.ValidationKl)!.Lambda, result.Chosen.Lambda);
            Assert.True(File.Exists(Path.Combine(dir, "lambda-search.json")));
        }
        finally { DistillFixtures.Delete(dir); }
    }
}
