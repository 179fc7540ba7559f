using System.Globalization;

namespace SobolevRL.Distillation;

/// <summary>Trims step-indexed CSV files of a resumed run back to its checkpoint, so no step is logged twice.</summary>
public static class CsvRows
{
    /// <summary>Removes the rows of <paramref name="path"/> whose first cell (the step) is greater than <paramref name="step"/>.</summary>
    public static void DropAfter(string path, long step)
    {
        if (!File.Exists(path)) return;
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0) return;
        var kept = lines.Take(1).Concat(lines.Skip(1).Where(l =>
            long.TryParse(l.AsSpan(0, Math.Max(0, l.IndexOf(','))), NumberStyles.Integer, CultureInfo.InvariantCulture, out long s) && s <= step)).ToArray();
        if (kept.Length == lines.Length) return;
        Runs.RunDirectory.WriteAtomic(path, string.Join('\n', kept) + "\n");
    }
}
