using SobolevRL.Runs;

namespace SobolevRL.Tests.Runs;

public class RunDirectoryTests
{
    [Fact]
    public void TwoRunsWithTheSameNameGetDifferentDirectories()
    {
        string root = Directory.CreateTempSubdirectory("sobolevrl-runs-").FullName;
        var a = RunDirectory.Create("demo", null, root: root);
        var b = RunDirectory.Create("demo", null, root: root);
        Assert.NotEqual(a.Path, b.Path);
        Assert.True(Directory.Exists(a.Path) && Directory.Exists(b.Path));
    }

    [Fact]
    public void ExistingNonEmptyOutIsRefusedWithoutResume()
    {
        string dir = Directory.CreateTempSubdirectory("sobolevrl-run-").FullName;
        File.WriteAllText(Path.Combine(dir, "metrics.csv"), "step\n");
        var e = Assert.Throws<UserErrorException>(() => RunDirectory.Create("x", dir));
        Assert.Contains(UserErrorException.Key("resume"), e.Message);
        Assert.Equal("step\n", File.ReadAllText(Path.Combine(dir, "metrics.csv")));
        Assert.Equal(Path.GetFullPath(dir), RunDirectory.Create("x", dir, resume: true).Path);
    }

    [Fact]
    public void MetricsAreWrittenToCsvAndTensorBoardAndAppendOnResume()
    {
        string dir = Directory.CreateTempSubdirectory("sobolevrl-metrics-").FullName;
        var run = RunDirectory.Create("x", dir, resume: true);
        using (var log = new MetricsLogger(run))
        {
            log.Log(1, new Dictionary<string, double> { ["loss"] = 0.5, ["lr"] = 1e-3 });
        }
        using (var log = new MetricsLogger(run))
        {
            log.Log(2, new Dictionary<string, double> { ["loss"] = 0.25, ["lr"] = 1e-3 });
        }
        var columns = MetricsLogger.ReadCsv(run.File("metrics.csv"));
        Assert.Equal([1.0, 2.0], columns["step"]);
        Assert.Equal([0.5, 0.25], columns["loss"]);
        var events = Directory.GetFiles(run.File("tb"), "events.out.tfevents*", SearchOption.AllDirectories);
        Assert.NotEmpty(events);
        Assert.True(events.Sum(f => new FileInfo(f).Length) > 0);
    }
}
