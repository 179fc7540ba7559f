using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;

namespace SobolevRL.Runs;

/// <summary>
/// Writes scalar metrics of a run to <c>metrics.csv</c> (one row per logged step, columns fixed by the first row) and to
/// TensorBoard event files under <c>tb/</c>. Resuming appends to both.
/// </summary>
public sealed class MetricsLogger : IDisposable
{
    private readonly StreamWriter _csv;
    private readonly SummaryWriter? _tensorboard;
    private string[]? _columns;

    /// <summary>Opens (or appends to) the metrics of <paramref name="run"/>.</summary>
    public MetricsLogger(RunDirectory run, bool tensorboard = true)
    {
        string path = run.File("metrics.csv");
        bool exists = File.Exists(path) && new FileInfo(path).Length > 0;
        if (exists) _columns = File.ReadLines(path).First().Split(',')[1..];
        _csv = new StreamWriter(path, append: true) { AutoFlush = false };
        if (tensorboard) _tensorboard = torch.utils.tensorboard.SummaryWriter(run.File("tb"));
    }

    /// <summary>Logs the metrics of one step. The first call fixes the CSV columns; later calls must use the same keys.</summary>
    public void Log(long step, IReadOnlyDictionary<string, double> values)
    {
        if (_columns == null)
        {
            _columns = values.Keys.ToArray();
            _csv.WriteLine("step," + string.Join(',', _columns));
        }
        var cells = new string[_columns.Length + 1];
        cells[0] = step.ToString(CultureInfo.InvariantCulture);
        for (int i = 0; i < _columns.Length; i++)
            cells[i + 1] = values.TryGetValue(_columns[i], out double v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";
        _csv.WriteLine(string.Join(',', cells));
        _csv.Flush();
        if (_tensorboard != null)
            foreach (var (k, v) in values) _tensorboard.add_scalar(k, (float)v, (int)step);
    }

    /// <summary>Reads a metrics.csv back as columns (for reports).</summary>
    public static Dictionary<string, List<double>> ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        var columns = header.ToDictionary(h => h, _ => new List<double>());
        foreach (string line in lines.Skip(1))
        {
            var cells = line.Split(',');
            for (int i = 0; i < header.Length && i < cells.Length; i++)
                columns[header[i]].Add(cells[i].Length == 0 ? double.NaN : double.Parse(cells[i], CultureInfo.InvariantCulture));
        }
        return columns;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _csv.Dispose();

    }
}
