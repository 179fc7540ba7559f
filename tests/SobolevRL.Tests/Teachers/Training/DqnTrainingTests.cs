using SobolevRL.Onnx;
using SobolevRL.Teachers.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SobolevRL.Tests.Teachers.Training;

[Collection(TorchGlobalState.Name)]
public class DqnLossTests
{
    // A linear Q-network over 3 inputs and 2 actions, so the TD target and the Huber loss can be written out by hand.
    private static TorchSharp.Modules.Sequential Linear3x2(double[] weights, double[] bias)
    {
        var net = Sequential(("fc", Linear(3, 2))).to(float64);
        using (no_grad())
        {
            var fc = (TorchSharp.Modules.Linear)net.children().First();
            fc.weight!.copy_(tensor(weights, [2, 3], float64));
            fc.bias!.copy_(tensor(bias, float64));
        }
        return net;
    }

    private static double Huber(double e, double delta) => Math.Abs(e) <= delta ? 0.5 * e * e : delta * (Math.Abs(e) - 0.5 * delta);

    [Fact]
    public void TdLossMatchesTheHandWrittenTargetAndItsGradientMatchesFiniteDifferences()
    {
        double[] w = [0.3, -0.2, 0.5, 0.1, 0.4, -0.6], b = [0.05, -0.1], wt = [0.2, 0.1, -0.3, -0.4, 0.6, 0.2], bt = [0.0, 0.3];
        using var online = Linear3x2(w, b);
        using var target = Linear3x2(wt, bt);
        double[,] s = { { 1, 2, 0.5 }, { -1, 0.5, 3 }, { 0.2, -2, 1 } }, s2 = { { 0.5, 1, -1 }, { 2, 2, 2 }, { -0.3, 0.1, 4 } };
        long[] a = [0, 1, 1];
        double[] r = [1, -0.5, 2], d = [0, 1, 0];
        const double gamma = 0.9, delta = 1.0;
        double Q(double[] W, double[] B, double[,] x, int i, int act) => W[act * 3] * x[i, 0] + W[act * 3 + 1] * x[i, 1] + W[act * 3 + 2] * x[i, 2] + B[act];
        double Expected(double[] W)
        {
            double sum = 0;
            for (int i = 0; i < 3; i++)
            {
                double y = r[i] + gamma * (1 - d[i]) * Math.Max(Q(wt, bt, s2, i, 0), Q(wt, bt, s2, i, 1));
                sum += Huber(Q(W, b, s, i, (int)a[i]) - y, delta);
            }
            return sum / 3;
        }
        Tensor T(double[,] x) => tensor(x.Cast<double>().ToArray(), [3, 3], float64);
        var (loss, _) = DqnTrainer.TdLoss(online, target, T(s), T(s2), tensor(a), tensor(r, float64), tensor(d, float64), gamma, delta);
        Assert.Equal(Expected(w), loss.item<double>(), 10);
        // At least one TD error lies beyond δ, so the clipped (linear) branch of the Huber loss is exercised.
        loss.backward();
        var grad = ((TorchSharp.Modules.Linear)online.children().First()).weight!.grad!.data<double>().ToArray();
        for (int j = 0; j < w.Length; j++)
        {
            const double h = 1e-6;
            double[] plus = (double[])w.Clone(), minus = (double[])w.Clone();
            plus[j] += h;
            minus[j] -= h;
            Assert.Equal((Expected(plus) - Expected(minus)) / (2 * h), grad[j], 1e-6);
        }
        Assert.Null(((TorchSharp.Modules.Linear)target.children().First()).weight!.grad); // no gradient flows into the target network
    }

    [Fact]
    public void EpsilonFallsLinearlyThenStays()
    {
        var o = new DqnOptions { EpsilonStart = 1, EpsilonEnd = 0.1, EpsilonFrames = 1000 };
        Assert.Equal(1.0, o.EpsilonAt(0), 12);
        Assert.Equal(0.55, o.EpsilonAt(500), 12);
        Assert.Equal(0.1, o.EpsilonAt(1000), 12);
        Assert.Equal(0.1, o.EpsilonAt(10_000), 12);
    }
}

[Collection(TorchGlobalState.Name)]
[Trait("speed", "slow")] // trains for seconds
public class DqnTrainingTests
{
    [Fact]
    public void ATinyMinAtarRunExportsAQValueTeacherThatOnnxRuntimeReproduces()
    {
        string dir = Path.Combine(Path.GetTempPath(), "sobolevrl-dqn-" + Guid.NewGuid().ToString("N"));
        try
        {
            var result = TeacherTrainJob.Run(new TeacherTrainJobOptions
            {
                Algorithm = "dqn",
                OutDir = dir,
                Overrides = ["env=MinAtar/Breakout-v1", "frames=3000", "num_envs=2", "learning_starts=500", "train_every=4", "buffer_size=2000",
                    "target_update_every=400", "log_every=1000", "evaluation.episodes=3", "evaluation.max_episode_steps=300"],
                Invocation = "test",
            }, cancel: TestContext.Current.CancellationToken);
            Assert.True(result.Completed);
            Assert.Equal(3000, result.State.Frames);
            Assert.Equal((3000 - 500) / 4, result.State.Updates); // one gradient step per 4 frames after learning starts
            var metrics = SobolevRL.Runs.MetricsLogger.ReadCsv(Path.Combine(dir, "metrics.csv"));
            Assert.Equal([1000.0, 2000.0, 3000.0], metrics["step"]);
            Assert.True(double.IsFinite(metrics["td_loss"][^1]));
            Assert.Equal(new DqnOptions { EpsilonFrames = 100_000 }.EpsilonAt(2998), metrics["epsilon"][^1], 9);

            var card = ModelCard.Read(ModelCard.PathFor(result.Summary!.Policy));
            Assert.Equal(PolicyOutputKind.QValues, card.OutputKind);
            Assert.Equal("dqn", card.Training!.Algorithm);
            Assert.Contains("MinAtar CNN", card.Architecture);
            Assert.Equal(3, card.Evaluation!.Episodes);

            // The exported Q-network runs in ONNX Runtime on real states (one Q-value per action).
            const int batch = 16;
            var states = new byte[batch * 400];
            using (var env = TinyTraining.MakeEnv())
            {
                env.Reset(5, states.AsSpan(0, 400));
                for (int i = 1; i < batch; i++)
                    if (env.Step(i % 3, states.AsSpan(i * 400, 400)).Done) env.Reset(null, states.AsSpan(i * 400, 400));
            }
            using var ort = new OrtPolicy(result.Summary.Policy, batch, card.PolicyOutput);
            float[] actual = ort.Run(states, batch, 1f).ToArray();
            Assert.Equal(batch * 3, actual.Length);
            Assert.All(actual, v => Assert.True(float.IsFinite(v)));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    private static TeacherTrainJobResult Dqn(string dir, bool resume, params string[] overrides) => TeacherTrainJob.Run(new TeacherTrainJobOptions
    {
        Algorithm = "dqn",
        OutDir = dir,
        Resume = resume,
        Overrides = resume ? overrides : ["env=MinAtar/Breakout-v1", "num_envs=2", "learning_starts=200", "train_every=2", "buffer_size=600",
            "target_update_every=300", "log_every=200", "checkpoint_every=400", "evaluation.episodes=0", .. overrides],
        Invocation = "test",
    }, cancel: TestContext.Current.CancellationToken);

    private static void CopyDirectory(string from, string to)
    {
        foreach (string d in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories)) Directory.CreateDirectory(d.Replace(from, to));
        Directory.CreateDirectory(to);
        foreach (string f in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories)) File.Copy(f, f.Replace(from, to));
    }

    [Fact]
    public void AResumedRunKeepsItsCountersAndReplayAndTwoResumesOfOneCheckpointAgree()
    {
        string first = Path.Combine(Path.GetTempPath(), "sobolevrl-dqn-resume-" + Guid.NewGuid().ToString("N"));
        string a = first + "-a", b = first + "-b";
        try
        {
            var part = Dqn(first, resume: false, "frames=600");
            Assert.True(part.Completed);
            Assert.Equal((600 - 200) / 2, part.State.Updates);
            string replay = Path.Combine(first, "checkpoint", "replay.bin");
            Assert.True(new FileInfo(replay).Length > 600 * 400, "the checkpoint holds the replay memory"); // 300 rows × 2 envs × 400 bytes
            CopyDirectory(first, a);
            CopyDirectory(first, b);
            // Resumed with a larger budget: the counters go on from the checkpoint (a fresh run of 1000 frames makes the same count).
            var ra = Dqn(a, resume: true, "frames=1000");
            var rb = Dqn(b, resume: true, "frames=1000");
            Assert.True(ra.Completed);
            Assert.Equal(1000, ra.State.Frames);
            Assert.Equal((1000 - 200) / 2, ra.State.Updates);
            Assert.True(ra.State.WallTimeSeconds >= part.State.WallTimeSeconds);
            var metrics = SobolevRL.Runs.MetricsLogger.ReadCsv(Path.Combine(a, "metrics.csv"));
            Assert.Equal([200.0, 400, 600, 800, 1000], metrics["step"]);
            // Reproducible: the same checkpoint resumes to the same weights and the same memory.
            foreach (string file in new[] { "model.bin", "target.bin", "replay.bin" })
                Assert.Equal(File.ReadAllBytes(Path.Combine(a, "checkpoint", file)), File.ReadAllBytes(Path.Combine(b, "checkpoint", file)));
            Assert.NotEqual(File.ReadAllBytes(Path.Combine(first, "checkpoint", "model.bin")), File.ReadAllBytes(Path.Combine(a, "checkpoint", "model.bin")));
            Assert.Contains("test ; then test", ModelCard.Read(ModelCard.PathFor(ra.Summary!.Policy)).Training!.Command);

            // A memory of another size is refused with the reason, before training.
            var e = Assert.Throws<UserErrorException>(() => Dqn(first, resume: true, "frames=1000", "buffer_size=800"));
            Assert.Contains("cannot resume", e.Message);
            Assert.Contains("replay memory", e.Message);
        }
        finally
        {
            foreach (string d in new[] { first, a, b }) if (Directory.Exists(d)) Directory.Delete(d, recursive: true);
        }
    }
}
