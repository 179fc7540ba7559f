using SobolevRL.Experiments;
using SobolevRL.Tests.Distillation;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Experiments;

/// <summary>Scoring a multi-game student over training and held-out games, and choosing a game's output in <c>eval</c>.</summary>
[Collection(TorchGlobalState.Name)]
[Trait("speed", "slow")]
public class MultiGameSuiteTests : IDisposable
{
    private readonly string _shared = DistillFixtures.TempDir(), _separate = DistillFixtures.TempDir();

    public MultiGameSuiteTests()
    {
        DistillFixtures.SingleThread();
        Train(_shared, "v0", "shared");
        Train(_separate, "v1", "separate");
    }

    private static void Train(string dir, string version, string head) => MultiGameDistillJob.Run(new DistillJobOptions
    {
        Data = $"breakout=smoke:MinAtar/Breakout-{version},120,full,asterix=smoke:MinAtar/Asterix-{version},120,full",
        OutDir = dir,
        Device = CPU,
        Overrides = ["student=minatar:4,16", "loss.sobolev=full", "optim.steps=20", "optim.batch_size=8", $"games.head={head}", "logging.held_out_states=32"],
    }, null, TestContext.Current.CancellationToken);

    [Fact]
    public void ScoresTrainedAndZeroShotHeldOutGamesInOneCall()
    {
        var rows = MultiGameSuite.Run(new MultiGameSuiteOptions
        {
            Run = _shared,
            HeldOut = new Dictionary<string, string> { ["freeway"] = "MinAtar/Freeway-v0" },
            Data = new Dictionary<string, string> { ["asterix"] = "smoke:MinAtar/Asterix-v0,60,full" },
            Episodes = 2,
        });
        Assert.Equal(["breakout", "asterix", "freeway"], rows.Select(r => r.Game));
        Assert.Equal(["trained", "trained", "held-out"], rows.Select(r => r.Split));
        Assert.Equal("MinAtar/Freeway-v0", rows[2].Env);
        Assert.Contains("Freeway", rows[2].Result.Protocol);
        Assert.All(rows, r => Assert.Equal(2, r.Result.Returns!.Episodes));
        Assert.NotNull(rows[1].Result.HeldOut);
        Assert.Null(rows[0].Result.HeldOut);
        Assert.InRange(rows[1].Result.HeldOut!.Agreement, 0, 1);
    }

    [Fact]
    public void EvalPicksAGamesOutput()
    {
        var r = EvalJob.Run(new EvalJobOptions { Policy = _separate, Game = "asterix", Episodes = 1 });
        Assert.Contains("Asterix", r.Protocol);
        var e = Assert.Throws<UserErrorException>(() => EvalJob.Run(new EvalJobOptions { Policy = _separate, Episodes = 1 }));
        Assert.Contains("`game`", e.Message);
        e = Assert.Throws<UserErrorException>(() => EvalJob.Run(new EvalJobOptions { Policy = _separate, Game = "pong", Episodes = 1 }));
        Assert.Contains("breakout, asterix", e.Message);
    }

    [Theory]
    [InlineData(true, "breakout", "MinAtar/Breakout-v0", "also a training game")]
    [InlineData(false, "freeway", "MinAtar/Freeway-v1", "needs a shared head")]
    [InlineData(true, "freeway", "MinAtar/Freeway-v1", "has 3 actions")]
    public void BadHeldOutGamesAreRefusedBeforeAnyEpisode(bool shared, string game, string env, string message)
    {
        var e = Assert.Throws<UserErrorException>(() => MultiGameSuite.Run(new MultiGameSuiteOptions
        {
            Run = shared ? _shared : _separate,
            HeldOut = new Dictionary<string, string> { [game] = env },
            Episodes = 1,
        }));
        Assert.Contains(message, e.Message);
    }

    public void Dispose()
    {
        DistillFixtures.Delete(_shared);
        DistillFixtures.Delete(_separate);
        GC.SuppressFinalize(this);
    }
}
