using SobolevRL.IO;

namespace SobolevRL.Tests.Replay;

/// <summary>The one replay schema: what it declares is what a collection writes and a reader maps.</summary>
public class ReplaySchemaTests
{
    [Theory]
    [InlineData("none", 1, "float16")]
    [InlineData("full", 2, "float32")]
    [InlineData("vjp:2", 1, "bfloat16")]
    public void ShardsOnDiskHoldExactlyTheSchemasArraysWithItsTypesAndRowShapes(string labels, int frameStack, string gradDtype)
    {
        string dir = ReplayTestData.TempDirectory();
        using var teacher = ReplayTestData.Teacher(frameStack);
        var options = ReplayTestData.Options(states: 80, frameStack: frameStack, labels: labels) with { GradDtype = GradDtypes.Parse(gradDtype) };
        ReplayTestData.Collect(dir, options, teacher);
        using var reader = DatasetReader.Open(dir);
        var schema = reader.Schema;
        foreach (var shard in reader.Manifest.Shards)
        {
            var files = Directory.GetFiles(Path.Combine(dir, shard.Name), "*.npy").Select(Path.GetFileNameWithoutExtension).Order().ToArray();
            Assert.Equal(schema.Arrays.Select(a => a.Name).Order().ToArray(), files);
            foreach (var array in schema.Arrays)
            {
                var header = NpyFile.ReadHeader(Path.Combine(dir, shard.Name, array.Name + ".npy"), out _);
                Assert.Equal(array.Header(shard.Rows).Dtype, header.Dtype);
                Assert.Equal(array.Header(shard.Rows).Shape, header.Shape);
            }
        }
        long onDisk = reader.Shards.Sum(s => schema.Arrays.Sum(a => s.Array(a.Name)!.Header.DataBytes));
        Assert.Equal(schema.BytesPerState * reader.Rows, onDisk);
        Assert.Equal(schema.BytesPerState, DatasetInfo.Of(reader).BytesPerState);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void GradientRowsFollowTheLabelMode()
    {
        Assert.Equal(0, LabelMode.None.GradRows(6));
        Assert.Equal(6, LabelMode.Full.GradRows(6));
        Assert.Equal(3, LabelMode.Vjp(3).GradRows(6));
        var schema = new ReplaySchema([4, 10, 10], 2, 6, LabelMode.Vjp(3), GradDtype.Float16);
        Assert.Equal(new long[] { 8, 10, 10 }, schema.ObservationShape);
        Assert.Equal(3L * 800 * 2, schema.GradBytesPerState);
        // frames, action, reward, terminated, truncated, episode, step, logits, labels, projection vectors
        Assert.Equal(400 + 4 + 4 + 1 + 1 + 8 + 4 + 6 * 4 + 3 * 800 * 2 + 3 * 6 * 4, schema.BytesPerState);
        Assert.Equal(new[] { "frames", "actions", "rewards", "terminated", "truncated", "episode", "step", "logits", "grads", "v" }, schema.Arrays.Select(a => a.Name));
        Assert.DoesNotContain(new ReplaySchema([4, 10, 10], 1, 6, LabelMode.Full, GradDtype.Float16).Arrays, a => a.Name == ReplayArrays.Projections);
    }
}
