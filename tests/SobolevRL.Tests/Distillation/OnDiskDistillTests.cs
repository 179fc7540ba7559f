using SobolevRL.Evaluation;
using SobolevRL.Runs;
using SobolevRL.Tests.Replay;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Distillation;

/// <summary>Distillation from datasets on disk written by the real collector (MinAtar Breakout, a random CNN teacher).</summary>
[Collection(TorchGlobalState.Name)]
[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public sealed class OnDiskDistillTests : IDisposable
{
    private readonly string _full = ReplayTestData.TempDirectory();
    private readonly string _vjp = ReplayTestData.TempDirectory();

    public OnDiskDistillTests()
    {
        DistillFixtures.SingleThread();
        using var teacher = ReplayTestData.Teacher();
        ReplayTestData.Collect(_full, ReplayTestData.Options(states: 300, labels: "full"), teacher);
        ReplayTestData.Collect(_vjp, ReplayTestData.Options(states: 200, labels: "vjp:1"), teacher);
    }

    public void Dispose()
    {
        Directory.Delete(_full, true);
        Directory.Delete(_vjp, true);
    }

    [Fact]
    public void SplitsFollowTheManifestAndHeldOutStatesCarryTheTeachersLabels()
    {
        using var data = OnDiskDataset.Open(_full);
        using var reader = DatasetReader.Open(_full);
        var rows = ReplayTestData.Rows(reader);
        Assert.Equal(rows.Count(r => !reader.IsHeldOut(r.Episode)), data.Summary.TrainStates);
        Assert.Equal(rows.Count(r => reader.IsHeldOut(r.Episode)), data.Summary.HeldOutStates);
        Assert.Equal(new long[] { 4, 10, 10 }, data.Summary.ObservationShape);
        Assert.Equal(LabelMode.Full, data.Summary.Labels);

        using var heldOut = data.HeldOut(40, CPU);
        Assert.Equal(40, heldOut.Size);
        // The stored labels are the teacher's own: relabel the held-out observations and compare.
        using var teacher = ReplayTestData.Teacher();
        using var labels = Labeler.Label(teacher, heldOut.Observations, LabelMode.Full, null);
        Assert.True(labels.Logits.allclose(heldOut.TeacherLogits, rtol: 1e-4, atol: 1e-5));
        Assert.True(labels.GradLabels!.allclose(heldOut.GradLabels!, rtol: 1e-2, atol: 1e-3)); // stored as float16

        using var half = OnDiskDataset.Open(_full, trainFraction: 0.5);
        Assert.InRange(half.Summary.TrainStates, 1, data.Summary.TrainStates - 1);
        Assert.Equal(data.Summary.HeldOutStates, half.Summary.HeldOutStates);
    }

    [Fact]
    public void DistillingFromDiskLowersHeldOutKlAndResumesToTheSameCheckpoint()
    {
        var options = DistillFixtures.Options("full", steps: 40) with { Loss = new LossOptions { Sobolev = "full" } };
        string whole = DistillFixtures.TempDir(), split = DistillFixtures.TempDir();
        try
        {
            using var data = OnDiskDataset.Open(_full);
            var summary = DistillFixtures.Train(options, data, whole);
            Assert.True(double.IsFinite(summary.HeldOutKl) && double.IsFinite(summary.HeldOutGradientError));
            double initial;
            using (var heldOut = data.HeldOut(options.Logging.HeldOutStates, CPU))
            using (var untrained = new ModulePolicy(DistillTrainer.BuildSeeded(StudentSpec.Parse(options.Student), data.Summary, options.Seed), data.Summary.ObservationShape, data.Summary.Actions))
                initial = HeldOutMetrics.Compute(untrained, heldOut, data.Summary.Temperature).Kl;
            Assert.True(summary.HeldOutKl < 0.7 * initial, $"held-out KL {initial} -> {summary.HeldOutKl}");

            using var cancel = new CancellationTokenSource();
            var progress = new ActionProgress(p => { if (p.Done == 25) cancel.Cancel(); });
            Assert.ThrowsAny<OperationCanceledException>(() => DistillTrainer.Train(
                new DistillSetup(options, data, RunDirectory.Create("t", split), CPU), progress, cancel.Token));
            DistillFixtures.Train(options, data, split, resume: true);
            Assert.Equal(File.ReadAllBytes(Path.Combine(whole, Checkpoint.FileName)), File.ReadAllBytes(Path.Combine(split, Checkpoint.FileName)));
        }
        finally
        {
            DistillFixtures.Delete(whole);
            DistillFixtures.Delete(split);
        }
    }

    [Fact]
    public void SobolevTermTheLabelsCannotGiveIsAUserErrorBeforeAnythingIsWritten()
    {
        string dir = DistillFixtures.TempDir();
        var (code, _, stderr) = CliProcess.Run("distill", "--data", _vjp, "--set", "loss.sobolev=full", "--out", dir, "--threads", "1");
        Assert.Equal(2, code);
        Assert.Contains("error: Sobolev term 'full' needs full", stderr);
        Assert.Contains("vjp:1", stderr);
        Assert.False(Directory.Exists(dir));
        (code, _, stderr) = CliProcess.Run("distill", "--data", _vjp, "--set", "loss.sobolev=vjp:2", "--out", dir, "--threads", "1");
        Assert.Equal(2, code);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void TeacherOrStudentThatDoesNotTakeTheDatasetsObservationsIsAUserError()
    {
        string dir = DistillFixtures.TempDir();
        string spaceInvaders = RepoFile("agents/minatar/spaceinvaders/policy.onnx");
        var (code, _, stderr) = CliProcess.Run("distill", "--data", _full, "--teacher", spaceInvaders, "--out", dir, "--threads", "1");
        Assert.Equal(2, code);
        Assert.Contains("takes observations [6, 10, 10], the dataset (MinAtar/Breakout-v1) holds [4, 10, 10]", stderr);
        (code, _, stderr) = CliProcess.Run("distill", "--data", _full, "--student", "nature:0.5", "--out", dir, "--threads", "1");
        Assert.Equal(2, code);
        Assert.Contains("84", stderr);
        Assert.False(Directory.Exists(dir));
        (code, _, stderr) = CliProcess.Run("distill", "--data", Path.Combine(_full, "shard-000000"), "--out", dir);
        Assert.Equal(2, code);
        Assert.Contains("not a replay dataset", stderr);
    }
}
