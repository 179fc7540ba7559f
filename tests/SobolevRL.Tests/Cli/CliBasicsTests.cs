namespace SobolevRL.Tests.Cli;

[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public class CliBasicsTests
{
    [Fact]
    public void InfoJsonIsOneObjectWithTheTorchSharpVersion()
    {
        var (code, stdout, _) = CliProcess.Run("info", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal("0.107.0", doc.RootElement.GetProperty("torchsharp").GetString());
    }

    [Fact]
    public void UnknownOptionIsOneClearLineAndExitCode2WithoutStackTrace()
    {
        var (code, _, stderr) = CliProcess.Run("info", "--bogus");
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", stderr);
        Assert.Contains("bogus", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public void HelpListsTheVerbs()
    {
        var (code, stdout, _) = CliProcess.Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("info", stdout);
    }

    [Fact]
    public void SweepHelpPointsToTheRunOptionsAndSweepRunListsThem()
    {
        var (code, stdout, _) = CliProcess.Run("sweep", "--help");
        Assert.Equal(0, code);
        Assert.Contains("run", stdout);
        var (runCode, runHelp, _) = CliProcess.Run("sweep", "run", "--help");
        Assert.Equal(0, runCode);
        Assert.Contains("--parallel", runHelp);
        Assert.Contains("--executor", runHelp);
    }
}
