using System.Globalization;
using SobolevRL.Onnx;
using SobolevRL.Runs;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Distillation;

/// <summary>Multi-game distillation runs end to end on smoke datasets: exports, resume, and bad input refused before anything is written.</summary>
[Collection(TorchGlobalState.Name)]
[Trait("speed", "slow")]
public class MultiGameDistillJobTests
{
    private const string TwoGames = "breakout=smoke:MinAtar/Breakout-v1,200,full,asterix=smoke:MinAtar/Asterix-v1,200,full";

    public MultiGameDistillJobTests() => DistillFixtures.SingleThread();

    private static DistillJobOptions Job(string outDir, string data = TwoGames, DistillStart start = DistillStart.New, params string[] extra) => new()
    {
        Data = data,
        OutDir = outDir,
        Start = start,
        Device = CPU,
        Overrides = ["student=minatar:4,16", "loss.sobolev=full", "optim.steps=40", "optim.batch_size=12", "logging.checkpoint_every=20",
            "logging.metrics_every=10", "logging.held_out_states=64", "seed=2", .. extra],
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TrainsOneHeadPerGameOrASharedFullActionHeadAndExportsEachGamesPolicyAgreeingWithOnnxRuntime(bool shared)
    {
        // -v1 ids: breakout acts in 3 of MinAtar's 6 actions (0, 1, 3), asterix in 5 (0-4); a shared head outputs all 6
        // and each game's output gathers its own.
        string dir = DistillFixtures.TempDir();
        try
        {
            var result = MultiGameDistillJob.Run(Job(dir, extra: shared ? "games.head=shared" : "games.head=separate"), null, TestContext.Current.CancellationToken);
            Assert.Equal(["breakout", "asterix"], result.Summary.Games.Select(g => g.Game));
            Assert.Equal([3, 5], result.Summary.Games.Select(g => g.Actions));
            Assert.Equal([6, 6], result.Summary.Games.Select(g => g.BatchRows));
            Assert.Equal(shared ? [0, 0] : [0, 1], result.Summary.Games.Select(g => g.Head));
            Assert.Equal(shared ? [6, 6] : [3, 5], result.Summary.Games.Select(g => g.HeadActions));
            int[]?[] indices = shared ? [[0, 1, 3], [0, 1, 2, 3, 4]] : [null, null];
            Assert.Equal(indices, result.Summary.Games.Select(g => g.HeadIndices?.ToArray()));
            Assert.All(result.Summary.Games, g => Assert.True(double.IsFinite(g.HeldOutKl) && g.HeldOutGradientError > 0));
            var header = File.ReadLines(Path.Combine(dir, "metrics.csv")).First();
            Assert.Contains("loss_sobolev_breakout", header);
            Assert.Contains("loss_sobolev_asterix", header);

            // One ONNX file, one output per game: ONNX Runtime on each output against the student rebuilt from the
            // checkpoint (an independent load); the card says which output is which game.
            string onnx = Path.Combine(dir, DistillTrainer.OnnxFile);
            Assert.Equal(["logits_breakout", "logits_asterix"], OnnxModelFile.Read(onnx).Graph.Output.Select(o => o.Name));
            var card = SobolevRL.Teachers.ModelCard.Read(SobolevRL.Teachers.ModelCard.PathFor(onnx));
            using var student = MultiGameStudent.Load(dir, CPU);
            for (int g = 0; g < 2; g++)
            {
                var game = result.Summary.Games[g];
                Assert.Equal(SobolevRL.Teachers.ModelCard.GamePath(onnx, game.Game), game.OnnxPath);
                Assert.Equal((game.Game, game.Env, game.Actions, $"logits_{game.Game}"), (card.Games![g].Game, card.Games[g].Env, card.Games[g].Actions, card.Games[g].Output));
                Assert.Equal(indices[g], card.Games[g].HeadIndices?.ToArray());
                Assert.True(game.OnnxMaxAbsDiff <= DistillTrainer.OnnxTolerance);
                using (var loaded = SobolevRL.Teachers.TeacherLoader.Load(game.OnnxPath, CPU))   // FILE#GAME: that game's output and env
                    Assert.Equal((game.Env, game.Actions), (loaded.Card.Env, loaded.Actions));
                using var x = randint(0, 2, [8, 4, 10, 10]).to(float32);
                using var expected = student.Policies[g].Logits(x);
                using var ort = new OrtPolicy(onnx, 8, card.Games[g].Output);
                float[] actual = ort.Run(x.data<float>().ToArray(), 8).ToArray();
                Assert.Equal(8 * game.Actions, actual.Length);
                float[] want = expected.detach().data<float>().ToArray();
                for (int i = 0; i < want.Length; i++) Assert.True(Math.Abs(want[i] - actual[i]) <= 1e-4, $"game {game.Game} logit {i}: {want[i]} vs {actual[i]}");
            }
            var e = Assert.Throws<UserErrorException>(() => SobolevRL.Teachers.TeacherLoader.Load(onnx + "#pong", CPU));
            Assert.Contains("breakout, asterix", e.Message);
        }
        finally
        {
            DistillFixtures.Delete(dir);
        }
    }

    [Fact]
    public void AResumedRunEndsWithTheCheckpointOfAnUninterruptedOne()
    {
        string whole = DistillFixtures.TempDir(), split = DistillFixtures.TempDir();
        try
        {
            MultiGameDistillJob.Run(Job(whole), null, TestContext.Current.CancellationToken);
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            var progress = new Progress(p => { if (p.Done == 20) cancel.Cancel(); });
            Assert.ThrowsAny<OperationCanceledException>(() => MultiGameDistillJob.Run(Job(split), progress, cancel.Token));
            var resumed = MultiGameDistillJob.Run(Job(split, start: DistillStart.Resume), null, TestContext.Current.CancellationToken);
            Assert.True(resumed.Resumed);
            Assert.Equal(File.ReadAllBytes(Path.Combine(whole, Checkpoint.FileName)), File.ReadAllBytes(Path.Combine(split, Checkpoint.FileName)));
        }
        finally
        {
            DistillFixtures.Delete(whole);
            DistillFixtures.Delete(split);
        }
    }

    [Fact]
    public void GamesOfDifferentChannelsShareATorsoThroughDeclaredInputAdapters()
    {
        string dir = DistillFixtures.TempDir();
        try
        {
            var result = MultiGameDistillJob.Run(Job(dir, "breakout=smoke:MinAtar/Breakout-v1,120,full,invaders=smoke:MinAtar/SpaceInvaders-v1,120,full",
                DistillStart.New, "games.adapter=conv1x1", "optim.steps=20"), null, TestContext.Current.CancellationToken);
            using var student = MultiGameStudent.Load(dir, CPU);
            Assert.Equal([[6L, 4, 1, 1], [6L, 6, 1, 1]], student.Network.Adapters.Select(a => a.weight!.shape));

            // Few-shot transfer: a run on a held-out game starts from this student's torso with a fresh adapter and head.
            string fewShot = DistillFixtures.TempDir();
            try
            {
                var e = Assert.Throws<UserErrorException>(() => MultiGameDistillJob.Run(Job(fewShot, "asterix=smoke:MinAtar/Asterix-v1,60,full", DistillStart.New,
                    "games.adapter=conv1x1", "optim.steps=4", $"games.init={dir}", "student=minatar:8,16"), null, TestContext.Current.CancellationToken));
                Assert.Contains("student=minatar:4,16", e.Message.Replace(" ", "=", StringComparison.Ordinal));
                Assert.False(Directory.Exists(fewShot), "nothing is written");
                var transfer = MultiGameDistillJob.Run(Job(fewShot, "asterix=smoke:MinAtar/Asterix-v1,60,full", DistillStart.New,
                    "games.adapter=conv1x1", "optim.steps=4", $"games.init={dir}"), null, TestContext.Current.CancellationToken);
                Assert.Equal([6L, 10, 10], transfer.Summary.TorsoShape!);
                Assert.Empty(transfer.Summary.InitGames!);
                using var loaded = MultiGameStudent.Load(fewShot, CPU);
                Assert.Equal([6L, 4, 1, 1], loaded.Network.Adapters[0].weight!.shape);
            }
            finally
            {
                DistillFixtures.Delete(fewShot);
            }
            long[][] shapes = [[4, 10, 10], [6, 10, 10]];
            for (int g = 0; g < 2; g++)
            {
                // One file per game (their inputs differ), each agreeing with the student rebuilt from the checkpoint.
                var game = result.Summary.Games[g];
                Assert.Equal(Path.Combine(dir, MultiGameTrainer.OnnxFile(game.Game)), game.OnnxPath);
                using var x = randint(0, 2, [8, .. shapes[g]]).to(float32);
                using var expected = student.Policies[g].Logits(x);
                using var ort = new OrtPolicy(game.OnnxPath, 8);
                float[] actual = ort.Run(x.data<float>().ToArray(), 8).ToArray(), want = expected.detach().data<float>().ToArray();
                for (int i = 0; i < want.Length; i++) Assert.True(Math.Abs(want[i] - actual[i]) <= 1e-4, $"game {game.Game} logit {i}: {want[i]} vs {actual[i]}");
            }
        }
        finally
        {
            DistillFixtures.Delete(dir);
        }
    }

    [Fact]
    public void AResumeWithAnotherGameListIsRefusedAndChangesNothing()
    {
        string dir = DistillFixtures.TempDir();
        try
        {
            MultiGameDistillJob.Run(Job(dir), null, TestContext.Current.CancellationToken);
            var before = Snapshot(dir);
            var e = Assert.Throws<UserErrorException>(() => MultiGameDistillJob.Run(Job(dir,
                "breakout=smoke:MinAtar/Breakout-v1,200,full,freeway=smoke:MinAtar/Asterix-v1,200,full", DistillStart.Resume), null, TestContext.Current.CancellationToken));
            Assert.Contains("games changed (breakout,asterix → breakout,freeway)", e.Message);
            Assert.Equal(before, Snapshot(dir));
        }
        finally
        {
            DistillFixtures.Delete(dir);
        }
    }

    [Theory]
    [InlineData("breakout=smoke:MinAtar/Breakout-v1,40,full,breakout=smoke:MinAtar/Asterix-v1,40,full", new string[0], "listed twice")]
    [InlineData("breakout=smoke:MinAtar/Breakout-v1,40,full,invaders=smoke:MinAtar/SpaceInvaders-v1,40,full", new string[0], "games.adapter")]
    [InlineData("breakout=smoke:MinAtar/Breakout-v1,40,full,asterix=smoke:MinAtar/Asterix-v1,40,vjp:1", new string[0], "game 'asterix'")]
    [InlineData("breakout=smoke:MinAtar/Breakout-v1,40,full,asterix=smoke:MinAtar/Asterix-v1,40,full", new[] { "games.weights=pong:2" }, "'pong' is not one of the games")]
    public void BadInputIsOneClearErrorAndNothingIsWritten(string data, string[] extra, string message)
    {
        string dir = DistillFixtures.TempDir();
        var e = Assert.Throws<UserErrorException>(() => MultiGameDistillJob.Run(Job(dir, data, DistillStart.New, extra), null, TestContext.Current.CancellationToken));
        Assert.Contains(message, e.Message);
        Assert.False(Directory.Exists(dir), "nothing is written");
    }

    [Fact]
    public void GamesOfOneActionSetTrainASharedHead()
    {
        string dir = DistillFixtures.TempDir();
        try
        {
            var result = MultiGameDistillJob.Run(Job(dir, "breakout=smoke:MinAtar/Breakout-v0,200,full,asterix=smoke:MinAtar/Asterix-v0,200,full",
                DistillStart.New, "games.head=shared"), null, TestContext.Current.CancellationToken);
            Assert.Equal([0, 0], result.Summary.Games.Select(g => g.Head));
            Assert.Equal([6, 6], result.Summary.Games.Select(g => g.Actions));
            Assert.Equal("shared", result.Summary.Head);
        }
        finally
        {
            DistillFixtures.Delete(dir);
        }
    }

    [Fact]
    public void ValidationStopsAMultiGameRunEarlyAndItEndsWithTheBestSnapshot()
    {
        // Each game's split is validated every 5 steps (KL weighted by batch shares); patience 1 with a large learning
        // rate stops the run at the first evaluation that brings no new best, and the student is that best snapshot.
        string dir = DistillFixtures.TempDir();
        try
        {
            var result = MultiGameDistillJob.Run(Job(dir, TwoGames, DistillStart.New, "optim.steps=400", "optim.learning_rate=0.05", "validation.every=5",
                "validation.patience=1", "validation.fraction=0.3", "logging.eval_every=10"), null, TestContext.Current.CancellationToken);
            var rows = File.ReadLines(Path.Combine(dir, ValidationTracker.FileName)).Skip(1)
                .Select(l => l.Split(',')).Select(c => (Step: long.Parse(c[0], CultureInfo.InvariantCulture), Kl: double.Parse(c[1], CultureInfo.InvariantCulture))).ToArray();
            Assert.True(result.Summary.Steps < 400, $"stopped early (at {result.Summary.Steps})");
            Assert.Equal(result.Summary.Steps, rows[^1].Step);
            Assert.Equal(Enumerable.Range(1, rows.Length).Select(i => 5L * i), rows.Select(r => r.Step));
            var best = rows.MinBy(r => r.Kl);
            Assert.Equal((best.Step, best.Kl), (result.Summary.ChosenStep, result.Summary.ValidationKl));
            Assert.NotEqual(best.Step, rows[^1].Step);
            Assert.Equal([$"best-{best.Step}.bin"], Directory.GetFiles(dir, "best-*.bin").Select(Path.GetFileName));
            // The exported student is the best snapshot, not the last step's weights (the checkpoint); loading the
            // finished run gives the exported one.
            using var loaded = MultiGameStudent.Load(dir, CPU);
            using var x = randint(0, 2, [4, 4, 10, 10]).to(float32);
            using var ort = new OrtPolicy(Path.Combine(dir, DistillTrainer.OnnxFile), 4, "logits_breakout");
            float[] exported = ort.Run(x.mul(loaded.Policies[0].InputScale).data<float>().ToArray(), 4).ToArray();
            float Diff() { using var logits = loaded.Policies[0].Logits(x); return logits.data<float>().ToArray().Zip(exported).Max(p => Math.Abs(p.First - p.Second)); }
            Assert.True(Diff() <= 1e-4, $"loaded vs exported {Diff()}");
            using (var adam = new SobolevRL.Optimizers.KeptAliveAdam(loaded.Network.parameters(), 1e-3))
            using (var generator = new TorchSharp.torch.Generator(0))
                Checkpoint.Load(Path.Combine(dir, Checkpoint.FileName), loaded.Network, adam, generator);
            Assert.True(Diff() > 1e-3, $"last checkpoint vs exported {Diff()}");
            // Each game's snapshot evaluation: its own eval-GAME.csv, a row every 10 steps and at the end.
            foreach (string game in new[] { "breakout", "asterix" })
            {
                var steps = File.ReadLines(Path.Combine(dir, MultiGameTrainer.EvalFile(game))).Skip(1).Select(l => long.Parse(l.Split(',')[0], CultureInfo.InvariantCulture)).ToArray();
                Assert.Equal(result.Summary.Steps, steps[^1]);
                Assert.All(steps.SkipLast(1), s => Assert.Equal(0, s % 10));
            }
        }
        finally
        {
            DistillFixtures.Delete(dir);
        }
    }

    [Fact]
    public void BatchShardsGiveTheGradientsOfOneShard()
    {
        // Two shards, each a range of every game's rows, against one shard: the same weights after a few steps up to
        // float rounding, and the same per-game terms in the metrics.
        string one = DistillFixtures.TempDir(), two = DistillFixtures.TempDir();
        try
        {
            string[] common = ["optim.steps=6", "logging.metrics_every=1", "validation.fraction=0"];
            MultiGameDistillJob.Run(Job(one, TwoGames, DistillStart.New, [.. common, "optim.shards=1"]), null, TestContext.Current.CancellationToken);
            MultiGameDistillJob.Run(Job(two, TwoGames, DistillStart.New, [.. common, "optim.shards=2"]), null, TestContext.Current.CancellationToken);
            Assert.Equal(2, MultiGameTrainer.ShardCount(ConfigLoaderFor(two), [6, 6], CPU));
            using var a = MultiGameStudent.Load(one, CPU);
            using var b = MultiGameStudent.Load(two, CPU);
            foreach (var (p, q) in a.Network.parameters().Zip(b.Network.parameters()))
                Assert.True((p - q).abs().max().item<float>() <= 1e-5, "sharded weights equal one shard's up to rounding");
            var columns = File.ReadLines(Path.Combine(one, "metrics.csv")).First().Split(',');
            foreach (string column in new[] { "loss_total", "loss_value_breakout", "loss_sobolev_asterix" })
            {
                int c = Array.IndexOf(columns, column);
                double[] Values(string dir) => [.. File.ReadLines(Path.Combine(dir, "metrics.csv")).Skip(1).Select(l => double.Parse(l.Split(',')[c], CultureInfo.InvariantCulture))];
                Assert.All(Values(one).Zip(Values(two)), v => Assert.Equal(v.First, v.Second, 1e-5));
            }
        }
        finally
        {
            DistillFixtures.Delete(one);
            DistillFixtures.Delete(two);
        }
    }

    private static DistillOptions ConfigLoaderFor(string run) => SobolevRL.Config.ConfigLoader.Load<DistillOptions>(Path.Combine(run, RunDirectory.ConfigFile), []);

    private static Dictionary<string, string> Snapshot(string dir) => Directory.GetFiles(dir, "*", SearchOption.AllDirectories)
        .Where(f => !f.EndsWith("writer.lock", StringComparison.Ordinal))
        .ToDictionary(f => f, f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))));

    private sealed class Progress(Action<ProgressInfo> onReport) : IProgress<ProgressInfo>
    {
        public void Report(ProgressInfo value) => onReport(value);
    }
}
