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
        Train(_shared, "breakout=smoke:MinAtar/Breakout-v1,120,full", "shared");
        Train(_separate, "breakout=smoke:MinAtar/Breakout-v1,120,full,asterix=smoke:MinAtar/Asterix-v1,120,full", "separate");
    }

    private static void Train(string dir, string data, string head) => MultiGameDistillJob.Run(new DistillJobOptions
    {
        Data = data,
        OutDir = dir,
        Device = CPU,
        Overrides = ["student=minatar:4,16", "loss.sobolev=full", "optim.steps=20", "optim.batch_size=8", $"games.head={head}", "logging.held_out_states=32"],
    }, null, TestContext.Current.CancellationToken);

    [Fact]
    public void ASharedHeadPlaysAHeldOutMinimalActionSetGameZeroShotThroughItsGather()
    {
        // The shared run is trained on breakout's 3 actions of MinAtar's 6 (-v1); asterix -v1 (5 of the 6, the same 4
        // channels) is played through the gather of its own actions from the shared head, in the call that scores breakout.
        var rows = MultiGameSuite.Run(new MultiGameSuiteOptions
        {
            Run = _shared,
            HeldOut = new Dictionary<string, string> { ["asterix"] = "MinAtar/Asterix-v1" },
            Data = new Dictionary<string, string> { ["asterix"] = "smoke:MinAtar/Asterix-v1,60,full" },
            Episodes = 2,
        });
        Assert.Equal([("breakout", "trained"), ("asterix", "held-out")], rows.Select(r => (r.Game, r.Split)));
        Assert.Contains("Asterix", rows[1].Result.Protocol);
        Assert.Equal(2, rows[1].Result.Returns!.Episodes);
        Assert.InRange(rows[1].Result.HeldOut!.Agreement, 0, 1);

        // The zero-shot policy is the shared head's asterix columns: ONNX Runtime on its file against TorchSharp.
        using var zeroShot = ZeroShotPolicy.Open(_shared, "MinAtar/Asterix-v1", CPU);
        Assert.Equal(5, zeroShot.Policy.Actions);
        using var student = MultiGameStudent.Load(_shared, CPU);
        using var x = randint(0, 2, [6, 4, 10, 10]).to(float32);
        using var scaled = x.mul(zeroShot.Policy.InputScale);
        using var head = student.Network.Heads[0].call(student.Network.Torso.call(scaled));
        using var logits = zeroShot.Policy.Logits(x);
        Assert.Equal(0.0, (logits - head.narrow(1, 0, 5)).abs().max().item<float>());
        using var ort = new SobolevRL.Onnx.OrtPolicy(zeroShot.OnnxPath, 6);
        float[] actual = ort.Run(scaled.data<float>().ToArray(), 6).ToArray();
        float[] want = logits.detach().data<float>().ToArray();
        Assert.Equal(want.Length, actual.Length);
        for (int i = 0; i < want.Length; i++) Assert.True(Math.Abs(want[i] - actual[i]) <= 1e-4, $"logit {i}: {want[i]} vs {actual[i]}");
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
    [InlineData(true, "freeway", "MinAtar/Freeway-v0", "observations have 700 values")]
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
