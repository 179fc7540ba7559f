namespace SobolevRL.Tests.Cli;

[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public class EnvPlayCliTests
{
    [Fact]
    public void ShippedTeacherPlaysItsGameThroughOnnxRuntimeFarAboveRandom()
    {
        string teacher = RepoFile("agents/minatar/spaceinvaders/policy.onnx");
        Assert.True(File.Exists(teacher), teacher);
        var (code, stdout, stderr) = CliProcess.Run("env", "play", "--env", "MinAtar/SpaceInvaders-v1", "--policy", teacher, "--episodes", "10", "--seed", "7", "--json");
        Assert.True(code == 0, stderr);
        double teacherReturn = JsonDocument.Parse(stdout).RootElement.GetProperty("mean_return").GetDouble();
        (code, stdout, stderr) = CliProcess.Run("env", "play", "--env", "MinAtar/SpaceInvaders-v1", "--policy", "random", "--episodes", "10", "--seed", "7", "--json");
        Assert.True(code == 0, stderr);
        double randomReturn = JsonDocument.Parse(stdout).RootElement.GetProperty("mean_return").GetDouble();
        Assert.True(teacherReturn > 2 * randomReturn + 5, $"teacher {teacherReturn}, random {randomReturn}");
    }

    [Fact]
    public void PolicyForAnotherGameIsRefusedNamingBothShapes()
    {
        var (code, _, stderr) = CliProcess.Run("env", "play", "--env", "MinAtar/Breakout-v1", "--policy", RepoFile("agents/minatar/spaceinvaders/policy.onnx"));
        Assert.Equal(2, code);
        Assert.Contains("[6, 10, 10]", stderr);
        Assert.Contains("[4, 10, 10]", stderr);
    }
}
