using SobolevRL.Envs.Core;
using SobolevRL.Envs.MinAtar;

namespace SobolevRL.Envs.Tests.MinAtar;

/// <summary>Helpers for MinAtar tests: making environments and reading the CHW grid.</summary>
internal static class MinAtarTestKit
{
    public const int Noop = 0, Left = 1, Up = 2, Right = 3, Down = 4, Fire = 5;

    /// <summary>Makes <c>MinAtar/&lt;game&gt;-v0</c>, by default without sticky actions so that action sequences are exact.</summary>
    public static MinAtarEnv Make(string game, double sticky = 0, bool ramping = true, int version = 0) =>
        (MinAtarEnv)new MinAtarFamily().Make($"MinAtar/{game}-v{version}", new EnvOptions(new Dictionary<string, string>
        {
            [MinAtarFamily.StickyActionProbOption] = sticky.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            [MinAtarFamily.RampingOption] = ramping ? "true" : "false",
        }));

    public static byte At(byte[] obs, int channel, int y, int x) => obs[channel * 100 + y * 10 + x];

    /// <summary>Every set cell of a channel, row-major.</summary>
    public static List<(int Y, int X)> Cells(byte[] obs, int channel)
    {
        var cells = new List<(int, int)>();
        for (int y = 0; y < 10; y++)
            for (int x = 0; x < 10; x++)
                if (At(obs, channel, y, x) != 0) cells.Add((y, x));
        return cells;
    }

    /// <summary>The single set cell of a channel (fails when there is not exactly one).</summary>
    public static (int Y, int X) Single(byte[] obs, int channel)
    {
        var cells = Cells(obs, channel);
        Assert.True(cells.Count == 1, $"channel {channel} has {cells.Count} set cells, expected 1");
        return cells[0];
    }

    public static int Count(byte[] obs, int channel) => Cells(obs, channel).Count;

    /// <summary>The first seed from 0 whose reset observation satisfies <paramref name="accept"/>.</summary>
    public static long FindSeed(MinAtarEnv env, byte[] obs, Func<byte[], bool> accept, int limit = 1000)
    {
        for (long seed = 0; seed < limit; seed++)
        {
            env.Reset(seed, obs);
            if (accept(obs)) return seed;
        }
        throw new InvalidOperationException("no seed found");
    }
}
