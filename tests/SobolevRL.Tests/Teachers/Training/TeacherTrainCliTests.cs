namespace SobolevRL.Tests.Teachers.Training;

[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public class TeacherTrainCliTests
{
    [Fact]
    public void TrainsExportsAndResumes()
    {
        string dir = Path.Combine(Directory.CreateTempSubdirectory("sobolevrl-cli-ppo-").FullName, "run");
        try
        {
            var (code, stdout, stderr) = CliProcess.Run("teacher", "train", "--env", "MinAtar/Freeway-v1", "--frames", "1024", "--envs", "4",
                "--seed", "2", "--out", dir, "--json", "--set", "rollout_steps=128", "--set", "evaluation.episodes=2", "--set", "evaluation.max_episode_steps=50");
            Assert.True(code == 0, stderr);
            using var json = JsonDocument.Parse(stdout);
            Assert.Equal(1024, json.RootElement.GetProperty("frames").GetInt64());
            Assert.True(File.Exists(Path.Combine(dir, "config.yaml")));
            Assert.True(File.Exists(Path.Combine(dir, "summary.json")));
            Assert.True(File.Exists(Path.Combine(dir, "metrics.csv")));
            var card = ModelCard.Read(Path.Combine(dir, "policy.onnx.card.json"));
            Assert.Equal("MinAtar/Freeway-v1", card.Env);
            Assert.Equal([7L, 10, 10], card.Input.Shape);
            Assert.Contains("teacher train --env MinAtar/Freeway-v1", card.Training!.Command);

            // The existing run is never overwritten; --resume continues it (here: one more update).
            var (again, _, againErr) = CliProcess.Run("teacher", "train", "--out", dir, "--frames", "1024", "--json");
            Assert.Equal(2, again);
            Assert.Contains("--resume", againErr);
            var (resumed, resumedOut, resumedErr) = CliProcess.Run("teacher", "train", "--out", dir, "--resume", "--frames", "1536", "--json");
            Assert.True(resumed == 0, resumedErr);
            using var resumedJson = JsonDocument.Parse(resumedOut);
            Assert.Equal(1536, resumedJson.RootElement.GetProperty("frames").GetInt64());
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(dir)!, recursive: true);
        }
    }

    [Theory]
    [InlineData("--algo", "a2c", "--algo a2c")]
    [InlineData("--env", "MinAtar/Brekout-v1", "Breakout")]
    [InlineData("--set", "gamma=2", "gamma")]
    public void BadInputIsOneLineUserError(string flag, string value, string expected)
    {
        string dir = Path.Combine(Path.GetTempPath(), "sobolevrl-cli-ppo-bad-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (code, _, stderr) = CliProcess.Run("teacher", "train", flag, value, "--frames", "512", "--out", dir);
            Assert.Equal(2, code);
            Assert.StartsWith("error:", stderr.Trim());
            Assert.Contains(expected, stderr);
            Assert.False(Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any(), "a refused run wrote into --out");
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void AnAtariPpoTeacherTrainsWithTheAtariRecipeAndExportsANatureCnn()
    {
        string? missing = AtariTeacherTests.MissingAle();
        if (missing is not null) Assert.Skip(missing);
        string dir = Path.Combine(Directory.CreateTempSubdirectory("sobolevrl-cli-ppo-ale-").FullName, "run");
        try
        {
            // 8 envs (the recipe) × 16 steps × 2 updates; one evaluation episode cut at 100 steps.
            var (code, stdout, stderr) = CliProcess.Run("teacher", "train", "--env", "ALE/Tetris-v5", "--algo", "ppo", "--frames", "256", "--out", dir, "--json",
                "--threads", "1", "--set", "rollout_steps=16", "--set", "evaluation.episodes=1", "--set", "evaluation.max_episode_steps=100");
            Assert.True(code == 0, stderr);
            using var json = JsonDocument.Parse(stdout);
            Assert.Equal(256, json.RootElement.GetProperty("frames").GetInt64());
            Assert.Contains("repeat_action_probability=0.25", json.RootElement.GetProperty("evaluation").GetProperty("protocol").GetString());
            var config = File.ReadAllText(Path.Combine(dir, "config.yaml"));
            foreach (string line in new[] { "num_envs: 8", "learning_rate: 0.00025", "clip_coef: 0.1", "- episodic_life=true", "- clip_rewards=true", "rollout_steps: 16" })
                Assert.Contains(line, config);
            var card = ModelCard.Read(Path.Combine(dir, "policy.onnx.card.json"));
            Assert.Equal("ALE/Tetris-v5", card.Env);
            Assert.Equal([4L, 84, 84], card.Input.Shape);
            Assert.Equal(1.0 / 255.0, card.Input.Scale, 12);
            Assert.Equal(5, card.Actions);
            Assert.StartsWith("Nature-DQN CNN", card.Architecture);
        }
        finally
        {
            if (Directory.Exists(Path.GetDirectoryName(dir))) Directory.Delete(Path.GetDirectoryName(dir)!, recursive: true);
        }
    }
}
