using System.Text.Json;
using SobolevRL.Runs;

namespace SobolevRL.Tests.Cli;

/// <summary>
/// <c>--json</c> output never holds the strings "NaN" or "Infinity" (strict JSON parsers reject the bare literals and
/// scripts mistype the strings): undefined statistics are <c>null</c>. Files keep the named literals, read back exactly.
/// </summary>
public sealed class JsonOutputTests
{
    sealed record Stats(double Mean, double Std, float Ratio, double? Percent, double[] Values, Dictionary<string, double> ByGame);

    [Fact]
    public void NonFiniteNumbersAreNullInOutputAndStringsInFiles()
    {
        var stats = new Stats(1.5, double.NaN, float.PositiveInfinity, double.NegativeInfinity, [2, double.NaN], new() { ["pong"] = double.PositiveInfinity, ["tetris"] = 3 });
        string output = Json.SerializeForOutput(new { stats, boxed = (object)double.NaN });
        Assert.DoesNotContain("NaN", output);
        Assert.DoesNotContain("Infinity", output);
        using var doc = JsonDocument.Parse(output); // strict: named literals would throw
        var s = doc.RootElement.GetProperty("stats");
        Assert.Equal(1.5, s.GetProperty("mean").GetDouble());
        Assert.Equal(JsonValueKind.Null, s.GetProperty("std").ValueKind);
        Assert.Equal(JsonValueKind.Null, s.GetProperty("ratio").ValueKind);
        Assert.Equal(JsonValueKind.Null, s.GetProperty("percent").ValueKind);
        Assert.Equal(JsonValueKind.Null, s.GetProperty("values")[1].ValueKind);
        Assert.Equal(2, s.GetProperty("values")[0].GetDouble());
        Assert.Equal(JsonValueKind.Null, s.GetProperty("by_game").GetProperty("pong").ValueKind);
        Assert.Equal(3, s.GetProperty("by_game").GetProperty("tetris").GetDouble());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("boxed").ValueKind);

        // Files round-trip every value, the non-finite ones included.
        var back = JsonSerializer.Deserialize<Stats>(Json.Serialize(stats), Json.Options)!;
        Assert.True(double.IsNaN(back.Std));
        Assert.Equal(float.PositiveInfinity, back.Ratio);
        Assert.Equal(double.NegativeInfinity, back.Percent);
        Assert.Equal(double.PositiveInfinity, back.ByGame["pong"]);
    }

    [Fact]
    [Trait("speed", "slow")] // starts the CLI
    public void EvalJsonOfOneEpisodeHasNullSpreadNotNaN()
    {
        // One episode: the std and the CI of the mean are undefined.
        var r = CliProcess.Run("eval", "--policy", Reliability.ReliabilityCli.Teacher, "--env", Reliability.ReliabilityCli.Env,
            "--episodes", "1", "--teacher", Reliability.ReliabilityCli.Teacher, "--threads", "1", "--json");
        Assert.True(r.Code == 0, r.Stderr);
        Assert.DoesNotContain("NaN", r.Stdout);
        Assert.DoesNotContain("Infinity", r.Stdout);
        using var doc = JsonDocument.Parse(r.Stdout);
        var returns = doc.RootElement.GetProperty("returns");
        Assert.Equal(JsonValueKind.Number, returns.GetProperty("mean").ValueKind);
        Assert.Equal(JsonValueKind.Null, returns.GetProperty("std").ValueKind);
        Assert.Equal(JsonValueKind.Null, returns.GetProperty("ci_low").ValueKind);
    }
}
