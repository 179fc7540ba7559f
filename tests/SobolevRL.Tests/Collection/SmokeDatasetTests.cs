using SobolevRL.Collection;
using SobolevRL.Envs.Registry;
using SobolevRL.Tests.Replay;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Collection;

/// <summary>Smoke datasets come from the one dataset producer, <see cref="Collector"/>, with its held-out rule.</summary>
[Collection(TorchGlobalState.Name)]
public sealed class SmokeDatasetTests : IDisposable
{
    const string EnvId = "MinAtar/SpaceInvaders-v1";
    readonly string _root = Directory.CreateDirectory(ReplayTestData.TempDirectory()).FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void SmokeDatasetHoldsOutOneOfFourEnvStreams()
    {
        // 40 states on 4 env slots: 10 per slot; the streams rule holds out round(0.25 · 4) = 1 whole slot, however
        // long its episodes are.
        using var data = SmokeDataset.Create(EnvId, 40, LabelMode.None);
        Assert.Equal((30, 10), (data.Summary.TrainStates, data.Summary.HeldOutStates));
        Assert.Equal((30L, 10L), (data.Train.Size, data.HeldOut.Size));
        Assert.Equal(SmokeDataset.TeacherSha256, data.Summary.TeacherSha256);
        var options = SmokeDataset.Options(EnvId, 40, LabelMode.None, seed: 7);
        Assert.Single(Enumerable.Range(0, options.Envs), slot => options.IsHeldOut(slot));
    }

    [Fact]
    public void SmokeDatasetIsWhatTheCollectorWritesForItsOptions()
    {
        using var smoke = SmokeDataset.Create(EnvId, 40, LabelMode.Vjp(1), seed: 11);
        string dir = Path.Combine(_root, "collected");
        var options = SmokeDataset.Options(EnvId, 40, LabelMode.Vjp(1), seed: 11);
        var registry = EnvRegistry.CreateDefault();
        using (var probe = registry.Make(EnvId))
        using (var teacher = SmokeDataset.Teacher([.. probe.ObservationSpace.Shape.Select(d => (long)d)], probe.ActionSpace.N))
        using (var writer = DatasetWriter.Create(dir, Collector.NewManifest(options, probe.ObservationSpace, probe.ActionSpace.N,
            new TeacherRecord { Sha256 = SmokeDataset.TeacherSha256, Temperature = teacher.Temperature }, studentSha256: null)))
            Collector.Run(teacher, null, _ => registry.Make(EnvId), writer, options, cancel: TestContext.Current.CancellationToken);
        using var disk = OnDiskDataset.Open(dir);
        using var heldOut = ((IReplayDataset)disk).HeldOut(1000, CPU);
        Assert.Equal(heldOut.Size, smoke.HeldOut.Size);
        Assert.True(heldOut.Observations.equal(smoke.HeldOut.Observations).all().item<bool>());
        Assert.True(heldOut.TeacherLogits.equal(smoke.HeldOut.TeacherLogits).all().item<bool>());
        Assert.True(heldOut.TeacherActions.equal(smoke.HeldOut.TeacherActions).all().item<bool>());
        Assert.True(heldOut.GradLabels!.equal(smoke.HeldOut.GradLabels!).all().item<bool>());
        Assert.Equal(disk.Summary.TrainStates, smoke.Summary.TrainStates);
    }
}
