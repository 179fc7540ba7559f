using SobolevRL.Runs;
using SobolevRL.Teachers.Training;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Teachers.Training;

[Collection(TorchGlobalState.Name)]
[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public class PpoTrainingTests
{
    private const long Frames = 20_480;
    private const int EvalEpisodes = 50;

    [Fact]
    public void TinyRunBeatsRandomPolicyOnBreakout()
    {
        // Baseline: the uniform policy (all-zero logits, sampled), under the same evaluation protocol.
        double random;
        using (var uniform = UniformPolicy())
        {
            random = PolicyEvaluator.Run(uniform, () => TinyTraining.MakeEnv(), EvalEpisodes, ActingMode.Stochastic, 500, maxEpisodeSteps: 2000).Mean;
        }
        var trained = new List<double>();
        foreach (long seed in new long[] { 1, 2, 3 })
        {
            var run = TinyTraining.NewRun();
            try
            {
                var result = PpoTrainer.Train(TinyTraining.Options(seed, Frames), run, CPU, cancellation: TestContext.Current.CancellationToken);
                using var model = result.Model;
                Assert.True(result.Completed);
                Assert.Equal(Frames, result.State.Frames);
                var policy = new ModulePolicy(model.Policy, result.ObservationShape, result.Actions);
                trained.Add(PolicyEvaluator.Run(policy, () => TinyTraining.MakeEnv(), EvalEpisodes, ActingMode.Greedy, 500, maxEpisodeSteps: 2000).Mean);
            }
            finally
            {
                TinyTraining.Delete(run);
            }
        }
        double mean = trained.Average();
        Assert.True(mean > 2 * random + 0.5, $"trained greedy returns {string.Join(", ", trained.Select(t => t.ToString("F2")))} (mean {mean:F2}) do not clearly beat random {random:F2}");
    }

    [Fact]
    public void ResumeContinuesFromTheCheckpoint()
    {
        var run = TinyTraining.NewRun();
        try
        {
            var options = TinyTraining.Options(7, 2 * 512) with { CheckpointEvery = 1, Evaluation = new EvaluationOptions { Episodes = 0 } };
            var first = PpoTrainer.Train(options, run, CPU, cancellation: TestContext.Current.CancellationToken);
            using (first.Model)
            {
                Assert.Equal(2, first.State.Updates);
                Assert.True(PpoCheckpoint.Exists(run));
            }
            var second = PpoTrainer.Train(options with { Frames = 3 * 512 }, run, CPU, resume: true, cancellation: TestContext.Current.CancellationToken);
            using (second.Model)
            {
                Assert.Equal(3, second.State.Updates);
                Assert.Equal(3 * 512, second.State.Frames);
                Assert.True(second.State.WallTimeSeconds >= first.State.WallTimeSeconds);
            }
            var metrics = MetricsLogger.ReadCsv(run.File("metrics.csv"));
            Assert.Equal([512.0, 1024.0, 1536.0], metrics["step"]);
            Assert.Equal([1.0, 2.0, 3.0], metrics["update"]);
            foreach (string column in new[] { "policy_loss", "value_loss", "entropy", "approx_kl", "clip_fraction", "frames_per_second" })
                Assert.All(metrics[column], v => Assert.True(double.IsFinite(v), column));

            // Resuming with the budget already reached trains nothing and returns the checkpointed weights.
            var third = PpoTrainer.Train(options with { Frames = 3 * 512 }, run, CPU, resume: true, cancellation: TestContext.Current.CancellationToken);
            using (third.Model)
            {
                Assert.Equal(3, third.State.Updates);
                Assert.True(third.Completed);
            }
        }
        finally
        {
            TinyTraining.Delete(run);
        }
    }

    [Fact]
    public void SameSeedGivesSameWeights()
    {
        float[] Train()
        {
            var run = TinyTraining.NewRun();
            try
            {
                var result = PpoTrainer.Train(TinyTraining.Options(4, 512), run, CPU, cancellation: TestContext.Current.CancellationToken);
                using var model = result.Model;
                return model.parameters().SelectMany(p => p.detach().cpu().flatten().data<float>().ToArray()).ToArray();
            }
            finally
            {
                TinyTraining.Delete(run);
            }
        }
        Assert.Equal(Train(), Train());
    }

    private static ModulePolicy UniformPolicy()
    {
        var net = nn.Sequential(nn.Flatten(), nn.Linear(4 * 10 * 10, 3));
        using (no_grad())
        {
            foreach (var p in net.parameters()) p.zero_();
        }
        return new ModulePolicy(net, [4, 10, 10], 3);
    }
}
