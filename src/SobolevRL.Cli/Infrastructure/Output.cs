using SobolevRL.Runs;
using Spectre.Console;

namespace SobolevRL.Cli.Infrastructure;

/// <summary>Prints results: tables for people, one JSON object for scripts (<c>--json</c>). Logs go to stderr.</summary>
public static class Output
{
    /// <summary>Writes one JSON object on stdout; NaN and ±Infinity as null (<see cref="Runs.Json.SerializeForOutput{T}"/>).</summary>
    public static void Json<T>(T value) => Console.Out.WriteLine(Runs.Json.SerializeForOutput(value));

    /// <summary>Writes a table on stdout.</summary>
    public static void Table(string? title, string[] headers, IEnumerable<string[]> rows)
    {
        var table = new Table().Border(TableBorder.Rounded);
        if (title != null) table.Title(Markup.Escape(title));
        foreach (string h in headers) table.AddColumn(new TableColumn(Markup.Escape(h)));
        foreach (var row in rows) table.AddRow(row.Select(c => new Text(c)).ToArray());
        AnsiConsole.Write(table);
    }

    /// <summary>Writes a log line on stderr (never mixed into JSON output).</summary>
    public static void Log(string message) => Console.Error.WriteLine(message);
}
