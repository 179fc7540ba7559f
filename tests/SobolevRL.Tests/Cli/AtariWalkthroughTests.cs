using System.Text.Json;
using SobolevRL.Tests.Teachers.Training;

namespace SobolevRL.Tests.Cli;

/// <summary>
/// The README's Atari walkthrough (envs/SobolevRL.Envs/Ale/README.md, steps 1–5, then `report`) run as written on ALE's
/// test ROM, Tetris, at tiny budgets: each command is the documented one with only its sizes made small.
/// </summary>
[Trait("speed", "slow")] // about a minute of CPU on ALE
public class AtariWalkthroughTests
{
    private static string Run(params string[] args)
    {
        var (code, stdout, stderr) = CliProcess.Run(args);
        Assert.True(code == 0, $"`sobolevrl {string.Join(' ', args)}` exited {code}: {stderr}");
        return stdout;
    }

    [Fact]
    public void TeacherCollectDistillEvalSuiteAndReportRunAsWritten()
    {
        string? missing = AtariTeacherTests.MissingAle();
        if (missing is not null) Assert.Skip(missing);
        string root = Directory.CreateTempSubdirectory("sobolevrl-atari-walkthrough-").FullName;
        try
        {
            string teacherDir = Path.Combine(root, "teacher"), teacher = Path.Combine(teacherDir, "policy.onnx"), data = Path.Combine(root, "data", "tetris");
            // 1. A teacher (the PPO Atari recipe at 256 frames).
            Run("teacher", "train", "--env", "ALE/Tetris-v5", "--algo", "ppo", "--frames", "256", "--threads", "1", "--out", teacherDir,
                "--set", "rollout_steps=16", "--set", "evaluation.episodes=1", "--set", "evaluation.max_episode_steps=100");
            Assert.True(File.Exists(teacher + ".card.json"));

            // 2. Collect (8 envs, as the README; 400 states finish no Tetris episode, so whole env streams are held out).
            Run("collect", "--env", "ALE/Tetris-v5", "--teacher", teacher, "--labels", "vjp:1", "--envs", "8", "--states", "400", "--out", data, "--threads", "1");
            string info = Run("data", "info", data);
            Assert.Contains("streams rule", info);
            Assert.Contains("held out 50 states", info); // round(0.1 × 8) = 1 stream of 50 states

            // 3. Distil two seeds of a Sobolev Nature-CNN student.
            string s1 = Path.Combine(root, "runs", "tetris-s1"), s2 = Path.Combine(root, "runs", "tetris-s2");
            foreach (var (dir, seed) in new[] { (s1, "1"), (s2, "2") })
                Run("distill", "--data", data, "--student", "nature:0.5", "--set", "loss.sobolev=vjp:1", "--out", dir, "--threads", "1",
                    "--set", "optim.steps=20", "--set", $"seed={seed}");
            Assert.True(File.Exists(Path.Combine(s1, "student.onnx")));

            // 4. Evaluate under a named protocol; the preset is recorded in the output.
            string eval = Run("eval", "--policy", s1, "--teacher", teacher, "--preset", "machado2018", "--episodes", "1", "--threads", "1", "--json");
            Assert.Contains("machado2018", eval);

            // 5. The suite: Tetris has no published human score, so it is normalised between random play and the teacher;
            // a teacher that scores what random play scores cannot normalise, which the suite says in one error line.
            string profile = Path.Combine(root, "profile.png");
            var (code, stdout, stderr) = CliProcess.Run("eval", "--suite", s1, "--suite", s2, "--suite-teacher", teacher, "--preset", "machado2018",
                "--episodes", "1", "--threads", "1", "--bootstrap-reps", "200", "--profile", profile, "--json");
            if (code == 0)
            {
                using var json = JsonDocument.Parse(stdout);
                var game = json.RootElement.GetProperty("games")[0];
                Assert.Equal("ALE/Tetris-v5", game.GetProperty("env").GetString());
                Assert.Equal("teacher", game.GetProperty("normalisation").GetString());
                Assert.Equal(2, json.RootElement.GetProperty("aggregate").GetProperty("runs").GetInt32());
                Assert.True(File.Exists(profile));
            }
            else
            {
                Assert.Equal(2, code);
                Assert.StartsWith("error: the teacher of ALE/Tetris-v5 scores", stderr.Trim());
                Assert.Contains("cannot be normalised", stderr);
                Assert.Single(stderr.Trim().Split('\n'));
            }

            // Then the report of the two runs.
            string reportDir = Path.Combine(root, "report");
            Run("report", s1, s2, "--out", reportDir);
            Assert.Contains("tetris-s1", File.ReadAllText(Path.Combine(reportDir, "report.md")));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
