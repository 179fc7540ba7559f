using SobolevRL.Config;
using SobolevRL.Runs;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Distillation;

[Collection(TorchGlobalState.Name)]
public class DistillErrorTests
{
    public DistillErrorTests() => DistillFixtures.SingleThread();

    [Fact]
    public void SobolevTermNeedingOtherLabelsIsAUserError()
    {
        string dir = DistillFixtures.TempDir();
        try
        {
            var e = Assert.Throws<UserErrorException>(() => DistillFixtures.Train(DistillFixtures.Options("full"), DistillFixtures.Vjp, dir));
            Assert.Contains("dataset has 'vjp:2'", e.Message);
            Assert.Empty(Directory.EnumerateFileSystemEntries(dir));
            Assert.Throws<UserErrorException>(() => DistillFixtures.Train(DistillFixtures.Options("vjp:3"), DistillFixtures.Vjp, dir));
        }
        finally { DistillFixtures.Delete(dir); }
    }

    [Fact]
    public void StudentThatCannotTakeTheDatasetShapeIsAUserError()
    {
        string dir = DistillFixtures.TempDir();
        try
        {
            var e = Assert.Throws<UserErrorException>(() => DistillFixtures.Train(DistillFixtures.Options(student: "nature:0.5"), DistillFixtures.Full, dir));
            Assert.Contains("84", e.Message);
        }
        finally { DistillFixtures.Delete(dir); }
    }

    [Fact]
    public void ExistingRunDirectoryWithoutResumeIsRefusedAndKept()
    {
        string dir = DistillFixtures.TempDir();
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "keep.txt"), "x");
        try
        {
            Assert.Throws<UserErrorException>(() => RunDirectory.Create("t", dir));
            Assert.Equal("x", File.ReadAllText(Path.Combine(dir, "keep.txt")));
        }
        finally { DistillFixtures.Delete(dir); }
    }

    [Fact]
    public void CorruptedCheckpointIsAUserErrorAndLeftUntouched()
    {
        string dir = DistillFixtures.TempDir();
        var options = DistillFixtures.Options(steps: 20);
        try
        {
            DistillFixtures.Train(options, DistillFixtures.Full, dir);
            string path = Path.Combine(dir, Checkpoint.FileName);
            byte[] bytes = File.ReadAllBytes(path);
            bytes[bytes.Length / 2] ^= 0x40;
            File.WriteAllBytes(path, bytes);
            var e = Assert.Throws<UserErrorException>(() => DistillFixtures.Train(options, DistillFixtures.Full, dir, resume: true));
            Assert.Contains("corrupted", e.Message);
            Assert.Equal(bytes, File.ReadAllBytes(path));
        }
        finally { DistillFixtures.Delete(dir); }
    }

    [Fact]
    public void ConfigKeysParseFromYamlOverrides()
    {
        var o = ConfigLoader.Load<DistillOptions>(null, ["loss.value=mse", "loss.sobolev=vjp:2", "loss.estimator=fd", "optim.optimizer=rmsprop", "loss.weight_schedule.kind=cosine", "student=mlp:64,64"]);
        Assert.Equal(ValueLossKind.Mse, o.Loss.Value);
        Assert.Equal(SobolevEstimator.Fd, o.Loss.Estimator);
        Assert.Equal(OptimizerKind.RmsProp, o.Optim.Optimizer);
        Assert.Equal(ScheduleKind.Cosine, o.Loss.WeightSchedule.Kind);
        Assert.Throws<UserErrorException>(() => ConfigLoader.Load<DistillOptions>(null, ["loss.sobolev=jacobian"]));
        Assert.Throws<UserErrorException>(() => ConfigLoader.Load<DistillOptions>(null, ["student=resnet:3"]));
    }

    [Fact]
    public void SchedulesWarmUpAndDecay()
    {
        var linear = new Schedule { Kind = ScheduleKind.Linear, WarmupSteps = 10, FinalFraction = 0.1 };
        Assert.Equal(0.1, linear.At(1.0, 0, 110), 12);
        Assert.Equal(1.0, linear.At(1.0, 10, 110), 12);
        Assert.Equal(0.1, linear.At(1.0, 109, 110), 12);
        var cosine = new Schedule { Kind = ScheduleKind.Cosine };
        Assert.Equal(0.5, cosine.At(1.0, 50, 101), 12);
    }
}
