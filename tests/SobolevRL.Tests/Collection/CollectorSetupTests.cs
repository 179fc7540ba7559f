using SobolevRL.Collection;
using SobolevRL.Envs.Core;
using SobolevRL.Tests.Replay;

namespace SobolevRL.Tests.Collection;

public class CollectorSetupTests
{
    [Fact]
    public void CpuTimeOfTheRunCoversItsEnvSteppingAndSetup()
    {
        string dir = ReplayTestData.TempDirectory();
        using var teacher = ReplayTestData.Teacher();
        var result = ReplayTestData.Collect(dir, ReplayTestData.Options(states: 200) with { Envs = 4 }, teacher);
        Assert.True(result.Cpu.EnvSteps > 0, $"env stepping CPU {result.Cpu.EnvSteps} s");
        Assert.True(result.Cpu.EnvSetup > 0, $"env setup CPU {result.Cpu.EnvSetup} s");
        // The process clock counts every thread, the stepping and setup threads included (10 ms of clock granularity).
        Assert.True(result.Cpu.Total + 0.01 >= result.Cpu.EnvSteps + result.Cpu.EnvSetup, $"process CPU {result.Cpu.Total} s < env {result.Cpu.EnvSteps} + {result.Cpu.EnvSetup} s");
        Directory.Delete(dir, true);
    }

    [Fact]
    public void AnEnvThatFailsToBeMadePropagatesItsErrorAndEveryEnvMadeIsDisposed()
    {
        string dir = ReplayTestData.TempDirectory();
        using var teacher = ReplayTestData.Teacher();
        var options = ReplayTestData.Options(states: 200) with { Envs = 4 };
        using var writer = DatasetWriter.Create(dir, ReplayTestData.Manifest(options));
        int made = 0, disposed = 0;
        IEnv Make(int slot)
        {
            // slot 3 is in the second group, made while the first group is being labelled
            if (slot == 3) throw new EnvException("no such ROM (test)");
            Interlocked.Increment(ref made);
            return new CountingDisposal(ReplayTestData.MakeEnv(), () => Interlocked.Increment(ref disposed));
        }
        var e = Assert.Throws<EnvException>(() => Collector.Run(teacher, null, Make, writer, options, null, TestContext.Current.CancellationToken));
        Assert.Contains("no such ROM", e.Message);
        Assert.Equal(3, made);
        Assert.Equal(made, disposed);
        Assert.Equal(0, DatasetReader.ReadManifest(dir).States);
        Directory.Delete(dir, true);
    }

    private sealed class CountingDisposal(IEnv inner, Action disposed) : EnvWrapper(inner)
    {
        public override void Dispose()
        {
            disposed();
            base.Dispose();
        }
    }
}
