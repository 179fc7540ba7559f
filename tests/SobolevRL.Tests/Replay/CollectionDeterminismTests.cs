namespace SobolevRL.Tests.Replay;

public class CollectionDeterminismTests
{
    [Theory]
    [InlineData("full", 1)]
    [InlineData("full", 4)]
    public void SameSeedGivesBitIdenticalDatasets(string labels, int envs)
    {
        string a = ReplayTestData.TempDirectory(), b = ReplayTestData.TempDirectory();
        using var teacher = ReplayTestData.Teacher();
        var options = ReplayTestData.Options(states: 64, labels: labels) with { GradDtype = GradDtype.Float32, Envs = envs };
        ReplayTestData.Collect(a, options, teacher);
        ReplayTestData.Collect(b, options, teacher);
        foreach (string array in new[] { ReplayArrays.Frames, ReplayArrays.Actions, ReplayArrays.Logits, ReplayArrays.GradLabels })
            Assert.True(File.ReadAllBytes(Path.Combine(a, "shard-000000", array + ".npy")).SequenceEqual(File.ReadAllBytes(Path.Combine(b, "shard-000000", array + ".npy"))), $"{array} differs between two identical collections ({labels})");
        Directory.Delete(a, true);
        Directory.Delete(b, true);
    }
}
