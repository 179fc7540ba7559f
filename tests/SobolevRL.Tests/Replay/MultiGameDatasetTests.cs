using SobolevRL.Collection;
using SobolevRL.Tests.Distillation;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Replay;

/// <summary>The multi-game data source: parsing, exact per-game batch shares, the composed sampler and the shape check.</summary>
[Collection(TorchGlobalState.Name)]
public class MultiGameDatasetTests
{
    private static readonly Lazy<(InMemoryDataset Breakout, InMemoryDataset Asterix)> Data = new(() =>
    {
        DistillFixtures.SingleThread();
        return (SmokeDataset.Create("MinAtar/Breakout-v1", 200, LabelMode.Full), SmokeDataset.Create("MinAtar/Asterix-v1", 200, LabelMode.Full));
    });

    [Fact]
    public void ParsesGamesWhoseSourcesHaveCommas()
    {
        var games = MultiGameDataset.Parse("breakout=smoke:MinAtar/Breakout-v1,300,full,space_invaders=runs/si data,asterix=/d/a");
        Assert.Equal(["breakout", "space_invaders", "asterix"], games.Select(g => g.Game));
        Assert.Equal(["smoke:MinAtar/Breakout-v1,300,full", "runs/si data", "/d/a"], games.Select(g => g.Source));
        Assert.True(MultiGameDataset.IsMultiGame("breakout=DIR"));
        Assert.False(MultiGameDataset.IsMultiGame("runs/dataset"));
        Assert.False(MultiGameDataset.IsMultiGame("smoke:MinAtar/Breakout-v1,300,full"));
    }

    [Theory]
    [InlineData("breakout=a,Breakout=b", "listed twice")]
    [InlineData("breakout=,asterix=b", "has no dataset")]
    public void RefusesBadGameLists(string data, string message)
    {
        var e = Assert.Throws<UserErrorException>(() => MultiGameDataset.Parse(data));
        Assert.Contains(message, e.Message);
        Assert.Contains("`data`", e.Message);
    }

    [Theory]
    [InlineData(64, new double[] { 1, 1, 1 }, new[] { 22, 21, 21 })]
    [InlineData(16, new double[] { 2, 1 }, new[] { 11, 5 })]
    [InlineData(10, new double[] { 1, 1, 1, 1 }, new[] { 3, 3, 2, 2 })]
    [InlineData(7, new double[] { 5, 1, 1 }, new[] { 5, 1, 1 })]
    public void SharesAreExactAndSumToTheBatch(int batch, double[] weights, int[] expected)
    {
        string[] games = [.. weights.Select((_, i) => $"g{i}")];
        var shares = MultiGameDataset.Shares(batch, games, weights);
        Assert.Equal(expected, shares);
        Assert.Equal(batch, shares.Sum());
    }

    [Fact]
    public void AGameWithoutRowsIsRefusedNamingTheKeys()
    {
        var e = Assert.Throws<UserErrorException>(() => MultiGameDataset.Shares(4, ["a", "b"], [10, 1]));
        Assert.Contains("`optim.batch_size`", e.Message);
        Assert.Contains("`games.weights`", e.Message);
    }

    [Fact]
    public void EveryBatchHoldsEachGamesShareFromItsOwnDatasetAndResumes()
    {
        var (breakout, asterix) = Data.Value;
        using var data = MultiGameDataset.From(["breakout", "asterix"], [Borrowed(breakout), Borrowed(asterix)]);
        int[] shares = MultiGameDataset.Shares(12, data.Games, [2, 1]);
        Assert.Equal([8, 4], shares);
        var trainRows = new[] { RowSet(breakout.Train), RowSet(asterix.Train) };
        var drawn = new List<string>();
        using (var sampler = data.OpenSampler(shares, seed: 5, position: 0, CPU))
            for (int i = 0; i < 6; i++)
            {
                using var batch = sampler.Next();
                Assert.Equal(12, batch.Size);
                Assert.Equal([.. Enumerable.Repeat(0L, 8), .. Enumerable.Repeat(1L, 4)], batch.Games.data<long>().ToArray());
                for (int g = 0; g < 2; g++)
                {
                    Assert.Equal(shares[g], batch.Parts[g].Size);
                    Assert.Equal(data.Datasets[g].Summary.Actions, batch.Parts[g].TeacherLogits.shape[1]);
                    foreach (string row in RowSet(batch.Parts[g])) Assert.Contains(row, trainRows[g]);
                }
                drawn.Add(string.Join("|", RowList(batch.Parts)));
            }
        using var resumed = data.OpenSampler(shares, seed: 5, position: 4, CPU);
        using var fifth = resumed.Next();
        Assert.Equal(drawn[4], string.Join("|", RowList(fifth.Parts)));
        Assert.Equal(5, resumed.Position);
    }

    [Fact]
    public void GamesOfDifferentObservationShapesAreRefused()
    {
        var (breakout, _) = Data.Value;
        using var invaders = SmokeDataset.Create("MinAtar/SpaceInvaders-v1", 40, LabelMode.None);
        var e = Assert.Throws<UserErrorException>(() => MultiGameDataset.From(["breakout", "spaceinvaders"], [Borrowed(breakout), Borrowed(invaders)]));
        Assert.Contains("[6, 10, 10]", e.Message);
        Assert.Contains("[4, 10, 10]", e.Message);
        Assert.Contains("one shape", e.Message);
        Assert.Contains("games.adapter", e.Message);

        // Declared per-game input adapters: channels may differ; the torso takes the most channels.
        using var adapted = MultiGameDataset.From(["breakout", "spaceinvaders"], [Borrowed(breakout), Borrowed(invaders)], channelAdapters: true);
        Assert.Equal([6L, 10, 10], adapted.ObservationShape);
    }

    // A row's identity: its observation and teacher logits as text.
    private static HashSet<string> RowSet(ReplayBatch batch) => [.. Enumerable.Range(0, (int)batch.Size).Select(i => Row(batch, i))];

    private static string Row(ReplayBatch batch, int i) =>
        string.Join(",", batch.Observations[i].flatten().data<float>().ToArray()) + ";" + string.Join(",", batch.TeacherLogits[i].data<float>().ToArray());

    private static IEnumerable<string> RowList(IEnumerable<ReplayBatch> parts) => parts.SelectMany(p => Enumerable.Range(0, (int)p.Size).Select(i => Row(p, i)));

    private static IReplayDataset Borrowed(InMemoryDataset d) => new NotDisposed(d);

    // The shared fixtures outlive one test: a wrapper whose disposal leaves them intact.
    private sealed class NotDisposed(IReplayDataset inner) : IReplayDataset
    {
        public DatasetSummary Summary => inner.Summary;
        public IReplaySampler OpenSampler(int batchSize, long seed, long position, Device device, double validationFraction = 0) =>
            inner.OpenSampler(batchSize, seed, position, device, validationFraction);
        public ReplayBatch? Validation(double validationFraction, int maxStates, Device device) => inner.Validation(validationFraction, maxStates, device);
        public ReplayBatch HeldOut(int maxStates, Device device) => inner.HeldOut(maxStates, device);
        public void Dispose() { }
    }
}
