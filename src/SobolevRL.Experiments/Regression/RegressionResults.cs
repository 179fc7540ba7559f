using System.Text.Json;
using SobolevRL.Runs;

namespace SobolevRL.Regression;

/// <summary>One trained model: which function, training-set size, mode and seed, and its test errors.</summary>
/// <param name="Function">Test function name.</param>
/// <param name="Size">Training-set size.</param>
/// <param name="Mode">Regular or Sobolev.</param>
/// <param name="Seed">Seed of the training sample and the initial weights.</param>
/// <param name="ValueMse">Test mean squared error of values, original units.</param>
/// <param name="GradientMse">Test mean of ‖∇m − ∇f‖², original units.</param>
/// <param name="RelativeValueMse">ValueMse divided by the variance of f on the test set.</param>
/// <param name="RelativeGradientMse">GradientMse divided by the mean of ‖∇f‖² on the test set.</param>
/// <param name="FinalTrainLoss">Last training loss, normalised units.</param>
/// <param name="Seconds">Training time.</param>
public sealed record RegressionRun(
    string Function, int Size, RegressionMode Mode, int Seed,
    double ValueMse, double GradientMse, double RelativeValueMse, double RelativeGradientMse,
    double FinalTrainLoss, double Seconds);

/// <summary>Mean and (population) standard deviation over seeds.</summary>
/// <param name="Mean">Mean.</param>
/// <param name="Std">Standard deviation.</param>
public sealed record MeanStd(double Mean, double Std)
{
    /// <summary>Summarises <paramref name="values"/>.</summary>
    public static MeanStd Of(IEnumerable<double> values)
    {
        var all = values.ToArray();
        var mean = all.Average();
        return new MeanStd(mean, Math.Sqrt(all.Average(v => (v - mean) * (v - mean))));
    }

    /// <summary>"mean ± std" with 3 significant digits.</summary>
    public override string ToString() => $"{Mean:G3} ± {Std:G3}";
}

/// <summary>Results of one (function, size, mode) over all seeds.</summary>
/// <param name="Function">Test function name.</param>
/// <param name="Size">Training-set size.</param>
/// <param name="Mode">Regular or Sobolev.</param>
/// <param name="ValueMse">Test value MSE, original units.</param>
/// <param name="GradientMse">Test gradient error, original units.</param>
/// <param name="RelativeValueMse">Value MSE over the test variance of f.</param>
/// <param name="RelativeGradientMse">Gradient error over the test mean of ‖∇f‖².</param>
public sealed record RegressionCell(
    string Function, int Size, RegressionMode Mode,
    MeanStd ValueMse, MeanStd GradientMse, MeanStd RelativeValueMse, MeanStd RelativeGradientMse);

/// <summary>A test function as used in the run.</summary>
/// <param name="Name">Name.</param>
/// <param name="Domain">Sampling box.</param>
/// <param name="TestValueVariance">Variance of f on the test set.</param>
/// <param name="TestGradientMeanSquare">Mean of ‖∇f‖² on the test set.</param>
public sealed record RegressionFunctionInfo(string Name, Domain Domain, double TestValueVariance, double TestGradientMeanSquare);

/// <summary>Everything the regression experiment measured; serialises to JSON.</summary>
/// <param name="Options">The options of the run.</param>
/// <param name="Functions">Functions and their domains.</param>
/// <param name="Cells">Mean ± std per (function, size, mode).</param>
/// <param name="Runs">Every trained model.</param>
/// <param name="WallSeconds">Wall time of the whole run.</param>
public sealed record RegressionReport(
    RegressionOptions Options,
    IReadOnlyList<RegressionFunctionInfo> Functions,
    IReadOnlyList<RegressionCell> Cells,
    IReadOnlyList<RegressionRun> Runs,
    double WallSeconds)
{
    /// <summary>JSON in the project's conventions (<see cref="Json"/>: snake_case, indented).</summary>
    public string ToJson() => Json.Serialize(this);

    /// <summary>Reads a report written by <see cref="ToJson"/>.</summary>
    public static RegressionReport FromJson(string json) =>
        JsonSerializer.Deserialize<RegressionReport>(json, Json.Options) ?? throw new JsonException("Empty regression report.");

    /// <summary>The cell for a (function, size, mode), or null.</summary>
    public RegressionCell? Cell(string function, int size, RegressionMode mode) =>
        Cells.FirstOrDefault(c => c.Function == function && c.Size == size && c.Mode == mode);

    /// <summary>
    /// A Markdown table: one row per function and size, test value MSE and gradient error of
    /// Regular and Sobolev training (original units, mean ± std over seeds).
    /// </summary>
    public string ToMarkdownTable()
    {
        var lines = new List<string>
        {
            "| function | n | value MSE, Regular | value MSE, Sobolev | gradient error, Regular | gradient error, Sobolev |",
            "|---|---:|---:|---:|---:|---:|",
        };
        foreach (var function in Functions)
        {
            foreach (var size in Options.Sizes)
            {
                var regular = Cell(function.Name, size, RegressionMode.Regular);
                var sobolev = Cell(function.Name, size, RegressionMode.Sobolev);
                if (regular is null || sobolev is null)
                {
                    continue;
                }

                lines.Add($"| {function.Name} | {size} | {regular.ValueMse} | {sobolev.ValueMse} | {regular.GradientMse} | {sobolev.GradientMse} |");
            }
        }

        return string.Join('\n', lines) + '\n';
    }

    /// <summary>
    /// The Markdown report: settings, the results table, the test-set scale of each function (to
    /// read the errors against), and the surface plots.
    /// </summary>
    public string ToMarkdownReport()
    {
        var o = Options;
        var text = new System.Text.StringBuilder();
        text.Append("# Regression on optimisation test functions (Sobolev training, experiment 1)\n\n");
        text.Append(System.Globalization.CultureInfo.InvariantCulture,
            $"MLP 2→{o.Hidden}→{o.Hidden}→1 (ReLU); full-batch Adam, {o.Steps} steps, learning rate {o.LearningRate}; Sobolev weight λ = {o.DerivativeWeight}; ");
        text.Append(System.Globalization.CultureInfo.InvariantCulture,
            $"{o.Seeds} seed(s); {o.TestPoints} uniform test points; wall time {WallSeconds:F0} s.\n");
        text.Append("Inputs are mapped to [−1, 1]² and values standardised with the training mean and std; errors below are in the functions' original units, mean ± std over seeds. ");
        text.Append("Gradient error is the test mean of ‖∇m − ∇f‖².\n\n");
        text.Append(ToMarkdownTable());
        text.Append("\n| function | domain | test variance of f | test mean ‖∇f‖² |\n|---|---|---:|---:|\n");
        foreach (var f in Functions)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"| {f.Name} | {f.Domain} | {f.TestValueVariance:G3} | {f.TestGradientMeanSquare:G3} |\n");
        }

        if (o.GridSize > 1)
        {
            text.Append("\n");
            foreach (var f in Functions)
            {
                text.Append(System.Globalization.CultureInfo.InvariantCulture, $"![{f.Name}](plots/{f.Name}.png)\n");
            }
        }

        return text.ToString();
    }
}
