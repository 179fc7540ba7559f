using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text;
using SobolevRL.Envs.MinAtar;
using SobolevRL.Envs.Random;

namespace SobolevRL.Envs.Tests.MinAtar;

/// <summary>
/// Plays a game the way the reference's <c>Environment</c> does: every step first draws <c>rand()</c> for the sticky
/// action (repeat the previous action with probability p; the previous action starts at noop and survives resets), then
/// lets the game act, all from one generator seeded like <c>Environment.seed(seed)</c>.
/// </summary>
internal sealed class StickyReferenceDriver(NumpyRandomState rng, IMinAtarGame game, double stickyProbability = 0.1)
{
    private int _lastAction;

    public IMinAtarGame Game { get; } = game;

    public (float Reward, bool Terminal) Act(int action)
    {
        if (rng.Rand() < stickyProbability) action = _lastAction;
        _lastAction = action;
        return Game.Act(action);
    }
}

/// <summary>
/// Replays trajectories recorded from MinAtar v1.0.15 by Reference/record_reference_seaquest_si.py (format described
/// there) against our games and reports the first step where anything differs.
/// </summary>
internal static class SeaquestSpaceInvadersReferenceReplay
{
    public static string FixturePath(string fileName, [CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "Reference", fileName);

    /// <summary>Replays every run in the fixture (each must hold the steps its header declares); returns the number of steps checked.</summary>
    public static int Replay(string fileName, Func<NumpyRandomState, bool, IMinAtarGame> createGame)
    {
        string path = FixturePath(fileName);
        if (!File.Exists(path)) Assert.Fail($"missing fixture {path}; record it with record_reference_seaquest_si.py");
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        StickyReferenceDriver? driver = null;
        byte[] state = [];
        string run = "";
        int step = 0, declaredSteps = 0, checkedSteps = 0;
        while (reader.ReadLine() is { } line)
        {
            string[] fields = line.Split(' ');
            switch (fields[0])
            {
                case "run":
                    Assert.Equal(declaredSteps, step);
                    declaredSteps = int.Parse(fields[4]);
                    var rng = new NumpyRandomState(uint.Parse(fields[1]));
                    var game = createGame(rng, fields[2] == "1");
                    driver = new StickyReferenceDriver(rng, game);
                    state = new byte[game.ChannelNames.Count * 100];
                    run = line;
                    step = 0;
                    break;
                case "R":
                    Assert.NotNull(driver);
                    if (step > 0) driver.Game.Reset();
                    AssertState(driver.Game, state, fields[1], run, step);
                    break;
                default:
                    Assert.NotNull(driver);
                    step++;
                    int action = int.Parse(fields[0]);
                    var (reward, terminal) = driver.Act(action);
                    string where = $"{run}, step {step} (action {action})";
                    Assert.True(reward == float.Parse(fields[1]), $"{where}: reward {reward}, reference {fields[1]}");
                    Assert.True(terminal == (fields[2] == "1"), $"{where}: terminal {terminal}, reference {fields[2]}");
                    AssertState(driver.Game, state, fields[3], run, step);
                    checkedSteps++;
                    break;
            }
        }
        Assert.Equal(declaredSteps, step);
        return checkedSteps;
    }

    private static void AssertState(IMinAtarGame game, byte[] state, string expectedHex, string run, int step)
    {
        game.WriteState(state);
        string actualHex = PackHex(state);
        if (actualHex == expectedHex) return;
        Assert.Fail($"{run}, step {step}: observation differs from the reference in {DescribeDifference(game, state, expectedHex)}");
    }

    /// <summary>Packs 0/1 bytes 8 per byte, first in the high bit (numpy.packbits), as lowercase hex.</summary>
    public static string PackHex(ReadOnlySpan<byte> cells)
    {
        var packed = new byte[(cells.Length + 7) / 8];
        for (int i = 0; i < cells.Length; i++)
            if (cells[i] != 0) packed[i / 8] |= (byte)(0x80 >> (i % 8));
        return Convert.ToHexStringLower(packed);
    }

    private static string DescribeDifference(IMinAtarGame game, byte[] state, string expectedHex)
    {
        byte[] expected = Convert.FromHexString(expectedHex);
        var text = new StringBuilder();
        for (int i = 0; i < state.Length; i++)
        {
            bool want = (expected[i / 8] & (0x80 >> (i % 8))) != 0;
            if (want == (state[i] != 0)) continue;
            int channel = i / 100, y = i % 100 / 10, x = i % 10;
            text.Append($" {game.ChannelNames[channel]}(x{x},y{y}) reference={(want ? 1 : 0)}");
        }
        return text.ToString();
    }
}
