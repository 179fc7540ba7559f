using SobolevRL.Collection;
using SobolevRL.Tests.Replay;
using static SobolevRL.Tests.RepoFiles;

namespace SobolevRL.Tests.Collection;

[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public sealed class HeldOutSplitTests : IDisposable
{
    readonly string _root = Directory.CreateDirectory(ReplayTestData.TempDirectory()).FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(0.1, 8, 1)]
    [InlineData(0.25, 4, 1)]
    [InlineData(0.5, 8, 4)]
    [InlineData(0.01, 2, 1)]
    [InlineData(0.9, 2, 1)]
    [InlineData(0.0, 8, 0)]
    public void StreamsRuleHoldsOutRoundedFractionOfSlotsNeverNoneNorAll(double fraction, int slots, int expected)
    {
        var heldOut = Enumerable.Range(0, slots).Where(s => EpisodeSeeds.IsHeldOutSlot(7, s, fraction, slots)).ToArray();
        Assert.Equal(expected, heldOut.Length);
        Assert.Equal(heldOut, Enumerable.Range(0, slots).Where(s => EpisodeSeeds.IsHeldOutSlot(7, s, fraction, slots)));
        // Every episode of a held-out slot (episode e runs in slot e mod E) is held out.
        var options = new CollectionOptions { Seed = 7, HeldOutFraction = fraction, Envs = slots, Split = HeldOutSplit.Streams };
        for (long e = 0; e < 5 * slots; e++) Assert.Equal(heldOut.Contains((int)(e % slots)), options.IsHeldOut(e));
    }

    [Fact]
    public void StreamsSplitHoldsOutStatesWhenNoEpisodeFinishes()
    {
        // MinAtar Freeway's episodes last 2,500 steps; 400 states on 4 envs run 100 steps of one episode per env.
        string dir = Path.Combine(_root, "freeway");
        var collect = CliProcess.Run("collect", "--env", "MinAtar/Freeway-v1", "--teacher", RepoFile("agents/minatar/freeway/policy.onnx"),
            "--envs", "4", "--states", "400", "--heldout-fraction", "0.25", "--split", "streams", "--out", dir, "--plain");
        Assert.True(collect.Code == 0, collect.Stderr);
        var info = CliProcess.Run("data", "info", dir, "--json");
        Assert.True(info.Code == 0, info.Stderr);
        var split = JsonDocument.Parse(info.Stdout).RootElement.GetProperty("split");
        Assert.Equal("streams", split.GetProperty("rule").GetString());
        Assert.Equal(100, split.GetProperty("held_out_states").GetInt64());
        Assert.Equal(1, split.GetProperty("held_out_episodes").GetInt32());
        Assert.Equal(300, split.GetProperty("train_states").GetInt64());
        using var dataset = OnDiskDataset.Open(dir);
        Assert.Equal(100, dataset.Summary.HeldOutStates);
    }

    [Fact]
    public void AutoKeepsTheEpisodeRuleOutsideAtariAndStreamsNeedTwoEnvs()
    {
        Assert.Equal(HeldOutSplit.Streams, HeldOutSplits.Parse("auto", "ALE/Tetris-v5", 8));
        Assert.Equal(HeldOutSplit.Episodes, HeldOutSplits.Parse("auto", "ALE/Tetris-v5", 1));
        Assert.Equal(HeldOutSplit.Episodes, HeldOutSplits.Parse("auto", "MinAtar/Freeway-v1", 8));
        Assert.Throws<UserErrorException>(() => HeldOutSplits.Parse("slots", "MinAtar/Freeway-v1", 8));
        var refused = CliProcess.Run("collect", "--env", "MinAtar/Freeway-v1", "--teacher", RepoFile("agents/minatar/freeway/policy.onnx"),
            "--envs", "1", "--states", "10", "--split", "streams", "--out", Path.Combine(_root, "one"));
        Assert.Equal(2, refused.Code);
        Assert.StartsWith("error: --split streams holds out whole env streams and needs --envs >= 2", refused.Stderr.Trim());
    }
}
