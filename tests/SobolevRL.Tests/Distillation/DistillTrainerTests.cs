using SobolevRL.Evaluation;
using SobolevRL.Runs;
using SobolevRL.Optimizers;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Distillation;

[Collection(TorchGlobalState.Name)]
public class DistillTrainerTests
{
    public DistillTrainerTests() => DistillFixtures.SingleThread();

    private static double InitialKl(DistillOptions o, InMemoryDataset data)
    {
        var spec = StudentSpec.Parse(o.Student);
        using var policy = new ModulePolicy(DistillTrainer.BuildSeeded(spec, data.Summary, o.Seed), data.Summary.ObservationShape, data.Summary.Actions);
        return HeldOutMetrics.Compute(policy, data.HeldOut, data.Summary.Temperature).Kl;
    }

    [Fact]
    public void TinyDistillationLowersHeldOutKlAndExportsAMatchingOnnxStudent()
    {
        var data = DistillFixtures.Full;
        var options = DistillFixtures.Options(steps: 150);
        string dir = DistillFixtures.TempDir();
        try
        {
            double before = InitialKl(options, data);
            var summary = DistillFixtures.Train(options, data, dir);
            Assert.True(summary.HeldOutKl < 0.5 * before, $"held-out KL {before} -> {summary.HeldOutKl}");
            Assert.True(summary.OnnxMaxAbsDiff <= DistillTrainer.OnnxTolerance);
            Assert.True(File.Exists(Path.Combine(dir, "student.onnx.card.json")));
            Assert.True(File.Exists(Path.Combine(dir, "metrics.csv")));
            var evalRows = File.ReadAllLines(Path.Combine(dir, SnapshotEvaluator.FileName));
            Assert.Equal(["30", "60", "90", "120", "150"], evalRows.Skip(1).Select(r => r.Split(',')[0]));
        }
        finally { DistillFixtures.Delete(dir); }
    }

    [Fact]
    public void SobolevTrainingMatchesTeacherGradientsBetterThanRegular()
    {
        var data = DistillFixtures.Full;
        string regularDir = DistillFixtures.TempDir(), sobolevDir = DistillFixtures.TempDir();
        try
        {
            var regular = DistillFixtures.Train(DistillFixtures.Options("off", steps: 200), data, regularDir);
            var sobolev = DistillFixtures.Train(DistillFixtures.Options("full", steps: 200) with { Loss = new LossOptions { Sobolev = "full", Weight = 10.0 } }, data, sobolevDir);
            Assert.True(sobolev.HeldOutGradientError < 0.9 * regular.HeldOutGradientError,
                $"gradient-label error: sobolev {sobolev.HeldOutGradientError}, regular {regular.HeldOutGradientError}");
        }
        finally
        {
            DistillFixtures.Delete(regularDir);
            DistillFixtures.Delete(sobolevDir);
        }
    }

    [Theory]
    [InlineData(SobolevEstimator.Fd, 0)]
    [InlineData(SobolevEstimator.Exact, 2)]
    public void ResumedRunEndsWithTheSameCheckpointAsAnUninterruptedOne(SobolevEstimator estimator, int shards)
    {
        var data = DistillFixtures.Vjp;
        var options = DistillFixtures.Options("vjp:2", steps: 50) with { Loss = new LossOptions { Sobolev = "vjp:2", Estimator = estimator } };
        options = options with { Optim = options.Optim with { Shards = shards } };
        string whole = DistillFixtures.TempDir(), split = DistillFixtures.TempDir();
        try
        {
            DistillFixtures.Train(options, data, whole);
            using var cancel = new CancellationTokenSource();
            var progress = new SyncProgress(p => { if (p.Done == 30) cancel.Cancel(); });
            Assert.ThrowsAny<OperationCanceledException>(() => DistillTrainer.Train(
                new DistillSetup(options, data, SobolevRL.Runs.RunDirectory.Create("t", split), CPU), progress, cancel.Token));
            // The first process's time, logged with its checkpoint, is counted in the run's: a resumed student's train
            // and CPU seconds (equal-compute tables, the equal-time budget) are those of all its processes.
            string metrics = Path.Combine(split, "metrics.csv");
            double trainBefore = CsvRows.Value(metrics, 20, "train_seconds"), cpuBefore = CsvRows.Value(metrics, 20, "cpu_seconds"); // its last checkpoint
            Assert.True(trainBefore > 0 && cpuBefore > 0, $"time logged at the checkpoint: {trainBefore} s, {cpuBefore} CPU s");
            var resumed = DistillFixtures.Train(options, data, split, resume: true);
            Assert.True(resumed.TrainSeconds > trainBefore && resumed.CpuSeconds > cpuBefore);
            var times = MetricsLogger.ReadCsv(metrics)["train_seconds"];
            Assert.Equal(times.Order(), times);
            Assert.Equal(File.ReadAllBytes(Path.Combine(whole, Checkpoint.FileName)), File.ReadAllBytes(Path.Combine(split, Checkpoint.FileName)));
            Assert.Equal(File.ReadAllLines(Path.Combine(whole, "metrics.csv")).Length, File.ReadAllLines(metrics).Length);
            Assert.Equal(1, torch.get_num_threads());
        }
        finally
        {
            DistillFixtures.Delete(whole);
            DistillFixtures.Delete(split);
        }
    }

    /// <summary>
    /// Libtorch work of the snapshot evaluator (held-out forward passes, episode acting) on its own thread at the same
    /// time as Sobolev training whose double backward runs on two shard threads: the training must end with the
    /// weights of a run without the evaluator, bit for bit, and every snapshot's figures must be finite.
    /// </summary>
    [Fact]
    public void ConcurrentSnapshotEvaluationLeavesShardedSobolevTrainingBitIdentical()
    {
        var data = DistillFixtures.Full;
        var options = DistillFixtures.Options("full", steps: 60);
        options = options with { Optim = options.Optim with { Shards = 2 } };
        var alone = options with { Logging = options.Logging with { EvalEvery = 0 } };
        var beside = options with { Logging = options.Logging with { EvalEvery = 1, EvalEpisodes = 2 } };
        string aloneDir = DistillFixtures.TempDir(), besideDir = DistillFixtures.TempDir();
        try
        {
            DistillFixtures.Train(alone, data, aloneDir);
            DistillFixtures.Train(beside, data, besideDir);
            Assert.Equal(File.ReadAllBytes(Path.Combine(aloneDir, Checkpoint.FileName)), File.ReadAllBytes(Path.Combine(besideDir, Checkpoint.FileName)));
            var rows = File.ReadAllLines(Path.Combine(besideDir, SnapshotEvaluator.FileName)).Skip(1).ToArray();
            Assert.Equal(60, rows.Length);
            Assert.All(rows, r => Assert.All(r.Split(',')[1..6], v => Assert.True(double.IsFinite(double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)), r)));
        }
        finally
        {
            DistillFixtures.Delete(aloneDir);
            DistillFixtures.Delete(besideDir);
        }
    }

    [Fact]
    public void NonFiniteSobolevLabelsStopTrainingWithADiagnosticAndKeepTheLastCheckpoint()
    {
        using var good = DistillFixtures.Collect(LabelMode.Full, 200);
        using var poisoned = good.GradLabelsPoisoned(row: 5);
        var options = DistillFixtures.Options("full", steps: 400) with
        {
            Logging = new LoggingOptions { MetricsEvery = 5, CheckpointEvery = 1, EvalEvery = 0, HeldOutStates = 64 },
            // The whole train part is sampled, so the poisoned row is first drawn after a checkpoint.
            Validation = new ValidationOptions { Fraction = 0 },
        };
        string dir = DistillFixtures.TempDir();
        try
        {
            var e = Assert.Throws<UserErrorException>(() => DistillFixtures.Train(options, poisoned, dir));
            Assert.Contains("sobolev is not finite at step", e.Message);
            Assert.Contains("last good checkpoint", e.Message);
            var spec = StudentSpec.Parse(options.Student);
            using var net = spec.Build(good.Summary.ObservationShape, good.Summary.Actions);
            using var opt = new KeptAliveAdam(net.parameters(), 1e-3);
            using var gen = new Generator(0);
            var position = Checkpoint.Load(Path.Combine(dir, Checkpoint.FileName), net, opt, gen);
            Assert.Contains($"step {position.Step + 1} ", e.Message);
            Assert.All(net.parameters(), p => Assert.True(p.isfinite().all().item<bool>()));
        }
        finally { DistillFixtures.Delete(dir); }
    }

    private sealed class SyncProgress(Action<SobolevRL.Runs.ProgressInfo> onReport) : IProgress<SobolevRL.Runs.ProgressInfo>
    {
        public void Report(SobolevRL.Runs.ProgressInfo value) => onReport(value);
    }
}

internal static class PoisonExtensions
{
    /// <summary>A copy of the dataset whose train row <paramref name="row"/> has NaN gradient labels.</summary>
    public static InMemoryDataset GradLabelsPoisoned(this InMemoryDataset data, long row)
    {
        var train = data.Train.Slice(0, data.Train.Size, CPU);
        using (no_grad()) train.GradLabels![row].fill_(double.NaN);
        return data with { Train = train, HeldOut = data.HeldOut.Slice(0, data.HeldOut.Size, CPU) };
    }
}
