using System.Text;

namespace SobolevRL.Reporting;

/// <summary>Builds a GitHub-flavoured Markdown table.</summary>
public sealed class MarkdownTable(params string[] headers)
{
    private readonly List<string[]> _rows = new();

    /// <summary>Adds a row (cells in header order).</summary>
    public MarkdownTable Row(params string[] cells)
    {
        if (cells.Length != headers.Length) throw new ArgumentException($"row has {cells.Length} cells, table has {headers.Length} columns");
        _rows.Add(cells);
        return this;
    }

    /// <summary>The table as Markdown text.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append("| ").AppendJoin(" | ", headers).AppendLine(" |");
        sb.Append('|').AppendJoin("|", headers.Select(_ => "---")).AppendLine("|");
        foreach (var r in _rows) sb.Append("| ").AppendJoin(" | ", r.Select(c => c.Replace("|", "\\|"))).AppendLine(" |");
        return sb.ToString();
    }
}
