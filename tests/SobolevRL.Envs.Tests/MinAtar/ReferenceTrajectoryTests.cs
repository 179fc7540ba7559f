using System.Globalization;
using SobolevRL.Envs.Core;
using SobolevRL.Envs.MinAtar;

namespace SobolevRL.Envs.Tests.MinAtar;

/// <summary>Replays trajectories recorded from MinAtar v1.0.15 and requires bit-identical observations, rewards and terminals.</summary>
public class ReferenceTrajectoryTests
{
    public static TheoryData<string> Fixtures() => new(ReferenceFixture.FileNames());

    [Fact]
    public void FixturesExistForTheBuiltInGames()
    {
        var names = ReferenceFixture.FileNames().ToList();
        foreach (string game in new[] { "asterix.json", "breakout.json", "freeway.json" })
            Assert.Contains(game, names);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void MatchesReferenceStepForStep(string fileName) => Replay(fileName, minSteps: 1000);

    /// <summary>
    /// With MINATAR_DIR set to a MinAtar checkout, records fresh trajectories on seeds the committed fixtures do not
    /// use (sticky 0.25, ramping off, then on) and replays them.
    /// </summary>
    [Theory]
    [InlineData("asterix")]
    [InlineData("breakout")]
    [InlineData("freeway")]
    public void MatchesALiveReferenceCheckout(string game)
    {
        string? root = Environment.GetEnvironmentVariable("MINATAR_DIR");
        if (string.IsNullOrEmpty(root)) Assert.Skip("set MINATAR_DIR to a MinAtar checkout to compare with it live");
        string? missing = PythonOracle.MissingReason();
        if (missing != null) Assert.Skip(missing);
        foreach (string ramping in new[] { "--no-ramping", "" })
        {
            string output = Path.Combine(Path.GetTempPath(), $"sobolevrl-minatar-{game}-{Environment.ProcessId}.json");
            string script = Path.Combine(ReferenceFixture.Directory(), "record_reference.py");
            var (code, _, stderr) = PythonOracle.Run($"""
                import os, subprocess, sys
                sys.exit(subprocess.call([sys.executable, {Quote(script)}, {Quote(game)}, {Quote(output)},
                    "--seeds", "1000,4242", "--steps", "{(game == "freeway" ? 2700 : 800)}", "--sticky", "0.25"]
                    + ([{Quote(ramping)}] if {Quote(ramping)} else [])))
                """);
            Assert.True(code == 0, $"record_reference.py failed: {stderr}");
            try { Replay(output, minSteps: 1600); }
            finally { File.Delete(output); }
        }
    }

    private static string Quote(string s) => "'" + s.Replace("\\", "\\\\").Replace("'", "\\'") + "'";

    private static void Replay(string fileName, int minSteps)
    {
        var fixture = ReferenceFixture.Load(fileName);
        var options = new EnvOptions(new Dictionary<string, string>
        {
            [MinAtarFamily.StickyActionProbOption] = fixture.StickyActionProb.ToString("R", CultureInfo.InvariantCulture),
            [MinAtarFamily.RampingOption] = fixture.Ramping ? "true" : "false",
        });
        using var env = new MinAtarFamily().Make($"MinAtar/{fixture.EnvName}-v0", options);
        Assert.Equal(fixture.Channels * 100, env.ObservationSpace.Size);
        var ours = new byte[env.ObservationSpace.Size];
        var expected = new byte[ours.Length];
        int steps = 0;
        foreach (var run in fixture.Runs)
        {
            Array.Clear(expected);
            bool first = true;
            for (int e = 0; e < run.Events.Count; e++)
            {
                var ev = run.Events[e];
                foreach (int cell in ev.FlippedCells) expected[cell] ^= 1;
                string where = $"{fileName}, seed {run.Seed}, event {e}";
                if (ev.IsReset)
                {
                    env.Reset(first ? run.Seed : null, ours);
                    first = false;
                }
                else
                {
                    var result = env.Step(ev.Action, ours);
                    steps++;
                    Assert.True(ev.Reward == result.Reward, $"{where}: reward {result.Reward}, reference {ev.Reward}");
                    Assert.True(ev.Terminal == result.Terminated, $"{where}: terminated {result.Terminated}, reference {ev.Terminal}");
                    Assert.False(result.Truncated, where);
                }
                if (!ours.AsSpan().SequenceEqual(expected)) Assert.Fail($"{where}: observation differs at {Differences(ours, expected)}");
            }
        }
        Assert.True(steps >= minSteps, $"{fileName} has only {steps} steps");
    }

    private static string Differences(byte[] ours, byte[] expected)
    {
        var cells = new List<string>();
        for (int i = 0; i < ours.Length; i++)
            if (ours[i] != expected[i]) cells.Add($"(c{i / 100}, y{i / 10 % 10}, x{i % 10}: ours {ours[i]}, reference {expected[i]})");
        return string.Join(", ", cells);
    }
}
