using SobolevRL.Envs.Core;
using SobolevRL.Onnx;
using SobolevRL.Teachers.Training;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Teachers.Training;

public class AtariRecipeTests
{
    [Fact]
    public void PpoRecipeReplacesTheMinAtarDefaultsAndKeepsWhatTheUserSet()
    {
        var recipe = new PpoOptions { Env = "ALE/Pong-v5" }.WithAtariRecipe();
        Assert.Equal(8, recipe.NumEnvs);
        Assert.Equal(128, recipe.RolloutSteps);
        Assert.Equal(4, recipe.Epochs);
        Assert.Equal(4, recipe.Minibatches);
        Assert.Equal(2.5e-4, recipe.LearningRate);
        Assert.True(recipe.AnnealLearningRate);
        Assert.Equal(0.1, recipe.ClipCoef);
        Assert.Equal(0.95, recipe.GaeLambda);
        Assert.Equal(0.99, recipe.Gamma);
        Assert.Equal(0.01, recipe.EntropyCoef);
        Assert.Equal(0.5, recipe.ValueCoef);
        Assert.Equal(0.5, recipe.MaxGradNorm);
        Assert.Equal(10_000_000, recipe.Frames);
        Assert.Equal(["episodic_life=true", "clip_rewards=true"], recipe.EnvOptions);
        Assert.Equal(0.25, recipe.Evaluation.StickyActionProb);
        Assert.Equal(0, recipe.Evaluation.MaxEpisodeSteps);

        var mine = new PpoOptions { Env = "ALE/Pong-v5", NumEnvs = 4, ClipCoef = 0.2001, EnvOptions = ["clip_rewards=false"] }.WithAtariRecipe();
        Assert.Equal(4, mine.NumEnvs);
        Assert.Equal(0.2001, mine.ClipCoef);
        Assert.Equal(["episodic_life=true", "clip_rewards=false"], mine.EnvOptions);
    }

    [Fact]
    public void DqnRecipeIsCleanRlsDqnAtari()
    {
        var recipe = new DqnOptions { Env = "ALE/Pong-v5" }.WithAtariRecipe();
        Assert.Equal(1e-4, recipe.LearningRate);
        Assert.Equal(80_000, recipe.LearningStarts);
        Assert.Equal(4, recipe.TrainEvery);
        Assert.Equal(1_000, recipe.TargetUpdateEvery);
        Assert.Equal(0.01, recipe.EpsilonEnd);
        Assert.Equal(1_000_000, recipe.EpsilonFrames);
        Assert.Equal(32, recipe.BatchSize);
        Assert.Equal(["episodic_life=true", "clip_rewards=true"], recipe.EnvOptions);
    }

    [Fact]
    public void TheNetworkMustFitTheObservations()
    {
        var minatar = new BoxSpace([4, 10, 10], 0, 1);
        var atari = new BoxSpace([4, 84, 84], 0, 255);
        Assert.Equal("minatar", TeacherNetwork.Resolve("auto", "MinAtar/Breakout-v1", minatar).Kind);
        var nature = TeacherNetwork.Resolve("auto", "ALE/Pong-v5", atari);
        Assert.Equal("nature", nature.Kind);
        Assert.Equal(1.0 / 255.0, nature.InputScale);
        var e = Assert.Throws<UserErrorException>(() => TeacherNetwork.Resolve("nature", "MinAtar/Breakout-v1", minatar));
        Assert.Contains("`network` nature", e.Message);
        Assert.Contains("84", e.Message);
        Assert.Throws<UserErrorException>(() => TeacherNetwork.Resolve("minatar", "ALE/Pong-v5", atari));
        Assert.Throws<UserErrorException>(() => TeacherNetwork.Resolve("resnet", "ALE/Pong-v5", atari));
    }

    [Fact]
    public void ResumingADqnRunThatDoesNotExistSaysSoBeforeWriting()
    {
        string dir = Path.Combine(Path.GetTempPath(), "sobolevrl-dqn-resume-" + Guid.NewGuid().ToString("N"));
        var e = Assert.Throws<UserErrorException>(() => TeacherTrainJob.Run(new TeacherTrainJobOptions { Algorithm = "dqn", OutDir = dir, Resume = true }, cancel: TestContext.Current.CancellationToken));
        Assert.Contains(dir, e.Message);
        Assert.False(Directory.Exists(dir));
    }
}

[Collection(TorchGlobalState.Name)]
[Trait("speed", "slow")] // trains on ALE for seconds
public class AtariTeacherTests
{
    /// <summary>Null when ALE's shim and tetris.bin are there, else why the test skips.</summary>
    public static string? MissingAle()
    {
        string? shim = Environment.GetEnvironmentVariable("SOBOLEVRL_ALE_LIB"), roms = Environment.GetEnvironmentVariable("SOBOLEVRL_ROMS");
        if (string.IsNullOrEmpty(shim) || !File.Exists(shim))
            return "needs ALE: set SOBOLEVRL_ALE_LIB to libsobolevrl_ale.so (install ALE's C++ library, then `make ale ALE_DIR=<prefix>`; envs/SobolevRL.Envs/Ale/README.md)";
        if (string.IsNullOrEmpty(roms) || !File.Exists(Path.Combine(roms, "tetris.bin")))
            return "needs ALE: set SOBOLEVRL_ROMS to a directory holding tetris.bin (ALE's test ROM, tests/resources/tetris.bin in ALE's source)";
        return null;
    }

    [Fact]
    public void ATinyDqnRunOnTetrisExportsANatureCnnQTeacherThatOnnxRuntimeRuns()
    {
        string? missing = MissingAle();
        if (missing is not null) Assert.Skip(missing);
        string dir = Path.Combine(Path.GetTempPath(), "sobolevrl-dqn-ale-" + Guid.NewGuid().ToString("N"));
        try
        {
            var result = TeacherTrainJob.Run(new TeacherTrainJobOptions
            {
                Algorithm = "dqn",
                OutDir = dir,
                Overrides = ["env=ALE/Tetris-v5", "frames=200", "learning_starts=100", "batch_size=8", "buffer_size=300", "log_every=100",
                    "evaluation.episodes=1", "evaluation.max_episode_steps=50"],
                Invocation = "test",
            }, cancel: TestContext.Current.CancellationToken);
            Assert.True(result.Completed);
            Assert.Equal(25, result.State.Updates); // the recipe's train_every 4 from frame 100 to 200
            var card = ModelCard.Read(ModelCard.PathFor(result.Summary!.Policy));
            Assert.Equal(PolicyOutputKind.QValues, card.OutputKind);
            Assert.Equal([4L, 84, 84], card.Input.Shape);
            Assert.Equal(1.0 / 255.0, card.Input.Scale, 12);
            Assert.StartsWith("Nature-DQN CNN", card.Architecture);
            var frame = new byte[4 * 84 * 84];
            using (var env = SobolevRL.Envs.Registry.EnvRegistry.CreateDefault().Make("ALE/Tetris-v5", EnvOptions.Empty)) env.Reset(3, frame);
            using var ort = new OrtPolicy(result.Summary.Policy, 1, card.PolicyOutput);
            float[] q = ort.Run(frame, 1, (float)card.Input.Scale).ToArray();
            Assert.Equal(5, q.Length);
            Assert.All(q, v => Assert.True(float.IsFinite(v)));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
