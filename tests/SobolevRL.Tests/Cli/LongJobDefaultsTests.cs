namespace SobolevRL.Tests.Cli;

/// <summary>Jobs whose defaults run for many minutes refuse to start from the defaults alone and say what they would do.</summary>
public class LongJobDefaultsTests
{
    [Theory]
    [InlineData("teacher train", "PPO on MinAtar/Breakout-v1 for 5,000,000 frames", "about 9–25 min on 2 quiet cores")]
    [InlineData("experiment data-efficiency", "record 100,000 states of MinAtar/Breakout-v1", "30 students (5 fractions x 3 seeds x 2 students) of 4,000 steps, 20 episodes each, about 9–18 min on 2 quiet cores")]
    [InlineData("experiment multi-game", "record 8,000 states of each of 5 games with their teachers", "72 students (12 multi, 24 single, 18 few-scratch, 18 few-multi; 3 seeds)")]
    public void NoOptionsPrintsThePlanAndStartsNothing(string command, string plan, string more)
    {
        string cwd = Directory.CreateTempSubdirectory("sobolevrl-longjob-").FullName;
        try
        {
            var (code, _, stderr) = CliProcess.RunIn(cwd, command.Split(' '));
            Assert.Equal(2, code);
            Assert.StartsWith("error: ", stderr);
            Assert.Contains(plan, stderr);
            Assert.Contains(more, stderr);
            Assert.Contains("--yes", stderr);
            Assert.Empty(Directory.EnumerateFileSystemEntries(cwd));
        }
        finally { Directory.Delete(cwd, true); }
    }
}
