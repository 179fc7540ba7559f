using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace SobolevRL.Envs.Tests.MinAtar;

/// <summary>One reset or step of a recorded reference trajectory (format of Reference/record_reference.py).</summary>
public sealed record ReferenceEvent(bool IsReset, int Action, double Reward, bool Terminal, int[] FlippedCells);

/// <summary>The events recorded for one seed.</summary>
public sealed record ReferenceRun(long Seed, IReadOnlyList<ReferenceEvent> Events);

/// <summary>A trajectory fixture recorded from the reference MinAtar implementation.</summary>
public sealed record ReferenceFixture(string Game, string EnvName, double StickyActionProb, bool Ramping, int Channels, IReadOnlyList<ReferenceRun> Runs)
{
    private const string Format = "sobolevrl-minatar-trajectory/1";

    /// <summary>The folder holding the fixtures, found from this source file's location.</summary>
    public static string Directory([CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "Reference");

    /// <summary>File names of every fixture in <see cref="Directory"/>.</summary>
    public static IEnumerable<string> FileNames() =>
        System.IO.Directory.EnumerateFiles(Directory(), "*.json").Select(Path.GetFileName).Order().Cast<string>();

    /// <summary>Reads and parses a fixture file (a name in <see cref="Directory"/> or a full path).</summary>
    public static ReferenceFixture Load(string fileName)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory(), fileName)));
        var root = doc.RootElement;
        string format = root.GetProperty("format").GetString()!;
        if (format != Format) throw new InvalidDataException($"{fileName}: format '{format}', expected '{Format}'");
        string game = root.GetProperty("game").GetString()!;
        var runs = new List<ReferenceRun>();
        foreach (var run in root.GetProperty("runs").EnumerateArray())
        {
            var events = run.GetProperty("events").EnumerateArray().Select(e => ParseEvent(e.GetString()!)).ToList();
            runs.Add(new ReferenceRun(run.GetProperty("seed").GetInt64(), events));
        }
        return new ReferenceFixture(game, ToEnvName(game), root.GetProperty("sticky_action_prob").GetDouble(),
            root.GetProperty("ramping").GetBoolean(), root.GetProperty("channels").GetInt32(), runs);
    }

    /// <summary>The reference module name (e.g. <c>space_invaders</c>) as used in ids (<c>SpaceInvaders</c>).</summary>
    public static string ToEnvName(string module) =>
        string.Concat(module.Split('_').Select(part => char.ToUpperInvariant(part[0]) + part[1..]));

    private static ReferenceEvent ParseEvent(string line)
    {
        string[] parts = line.Split(' ');
        if (parts[0] == "R") return new ReferenceEvent(true, -1, 0, false, ParseCells(parts.Length > 1 ? parts[1] : ""));
        if (parts[0] != "S" || parts.Length < 4) throw new InvalidDataException($"bad fixture event '{line}'");
        return new ReferenceEvent(false, int.Parse(parts[1], CultureInfo.InvariantCulture),
            double.Parse(parts[2], CultureInfo.InvariantCulture), parts[3] == "1", ParseCells(parts.Length > 4 ? parts[4] : ""));
    }

    private static int[] ParseCells(string encoded)
    {
        if (encoded.Length % 2 != 0) throw new InvalidDataException($"bad cell list '{encoded}'");
        var cells = new int[encoded.Length / 2];
        for (int i = 0; i < cells.Length; i++)
            cells[i] = Base36(encoded[2 * i]) * 36 + Base36(encoded[2 * i + 1]);
        return cells;
    }

    private static int Base36(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'z' => c - 'a' + 10,
        _ => throw new InvalidDataException($"bad base-36 digit '{c}'"),
    };
}
