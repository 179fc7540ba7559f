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

    /// <summary>The value of <paramref name="column"/> in the row of <paramref name="step"/>, or NaN when there is none.</summary>
    public static double Value(string path, long step, string column)
    {
        if (!File.Exists(path)) return double.NaN;
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0) return double.NaN;
        int index = Array.IndexOf(lines[0].Split(','), column);
        string prefix = step.ToString(CultureInfo.InvariantCulture) + ",";
        string? row = lines.Skip(1).LastOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        if (index < 0 || row is null) return double.NaN;
        var cells = row.Split(',');
        return index < cells.Length && double.TryParse(cells[index], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : double.NaN;
    }
}
