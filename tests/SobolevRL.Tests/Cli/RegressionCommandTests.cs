namespace SobolevRL.Tests.Cli;

[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public sealed class RegressionCommandTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"sobolevrl-regression-cli-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Json_IsTheReport_AndTheRunDirectoryHoldsConfigSummaryAndReport()
    {
        var (code, stdout, stderr) = CliProcess.Run(
            "regression", "--functions", "booth", "--sizes", "8", "--seeds", "1", "--steps", "5",
            "--set", "hidden=8", "--set", "test_points=50", "--set", "grid_size=0", "--out", _directory, "--json");

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var cells = json.RootElement.GetProperty("cells");
        Assert.Equal(2, cells.GetArrayLength());
        Assert.Equal("booth", cells[0].GetProperty("function").GetString());
        Assert.Equal(5, json.RootElement.GetProperty("options").GetProperty("steps").GetInt32());
        Assert.Contains("hidden: 8", File.ReadAllText(Path.Combine(_directory, "config.yaml")));
        Assert.True(File.Exists(Path.Combine(_directory, "summary.json")));
        Assert.Contains("| booth | 8 |", File.ReadAllText(Path.Combine(_directory, "report.md")));
    }

    [Fact]
    public void UnknownFunction_IsOneClearErrorNamingTheKnownOnes()
    {
        var (code, _, stderr) = CliProcess.Run("regression", "--functions", "himmelblau", "--out", _directory);
        Assert.Equal(2, code);
        Assert.StartsWith("error: unknown test function 'himmelblau'", stderr);
        Assert.Contains("rosenbrock", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }
}
