using System.Globalization;
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
/// <param name="LearningRate">Adam learning rate (chosen on validation with a grid).</param>
/// <param name="Lambda">Gradient-term weight (0 for the Regular modes).</param>
/// <param name="BestStep">Steps done at the kept snapshot (the budget without validation).</param>
/// <param name="ValidationMse">Validation value MSE of the kept snapshot, original units (NaN without validation).</param>
public sealed record RegressionRun(
    string Function, int Size, RegressionMode Mode, int Seed,
    double ValueMse, double GradientMse, double RelativeValueMse, double RelativeGradientMse,
    double FinalTrainLoss, double Seconds,
    double LearningRate = double.NaN, double Lambda = double.NaN, int BestStep = 0, double ValidationMse = double.NaN);

/// <summary>One point of a hyperparameter search: its settings and validation score.</summary>
/// <param name="Function">Test function name.</param>
/// <param name="Size">Training-set size n (the control trains on 3n).</param>
/// <param name="Mode">The mode tuned.</param>
/// <param name="LearningRate">Adam learning rate.</param>
/// <param name="Lambda">Gradient-term weight (0 for the Regular modes).</param>
/// <param name="ValidationMse">Geometric mean over the tuning samples of the best validation value MSE, original units.</param>
/// <param name="Chosen">True for the point of lowest score of its (function, size, mode).</param>
public sealed record RegressionTrial(string Function, int Size, RegressionMode Mode, double LearningRate, double Lambda, double ValidationMse, bool Chosen);

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
/// <param name="Trials">The hyperparameter searches on the validation sample (empty without grids).</param>
public sealed record RegressionReport(
    RegressionOptions Options,
    IReadOnlyList<RegressionFunctionInfo> Functions,
    IReadOnlyList<RegressionCell> Cells,
    IReadOnlyList<RegressionRun> Runs,
    double WallSeconds,
    IReadOnlyList<RegressionTrial>? Trials = null)
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
    /// The paired comparison, one row per function and size: relative test MSE (value MSE / Var f on the test set) of
    /// each mode, the Sobolev / Regular ratio as the geometric mean over seeds with its 95% Student-t interval, the seeds
    /// where Sobolev is lower, and Wilcoxon's signed-rank p on the paired log-MSEs (the same against the 3n control when
    /// trained), then the chosen learning rates and λ and the median kept step.
    /// </summary>
    public string ToPairedTable()
    {
        var modes = Runs.Select(r => r.Mode).Distinct().Order().ToArray();
        bool control = modes.Contains(RegressionMode.RegularOnThreeN);
        var header = new List<string> { "function", "n", "rel. MSE Regular", "rel. MSE Sobolev" };
        if (control) header.Add("rel. MSE Regular 3n");
        header.AddRange(["Sobolev / Regular (95% CI)", "Sobolev lower", "Wilcoxon p"]);
        if (control) header.AddRange(["Sobolev / Regular 3n (95% CI)", "Sobolev lower vs 3n", "Wilcoxon p vs 3n"]);
        header.AddRange(["lr " + string.Join(" / ", modes.Select(Short)), "λ", "kept step " + string.Join(" / ", modes.Select(Short))]);
        var table = new Reporting.MarkdownTable(header.ToArray());
        foreach (var function in Functions)
        {
            foreach (var size in Options.Sizes)
            {
                RegressionRun[] Of(RegressionMode mode) => Runs.Where(r => r.Function == function.Name && r.Size == size && r.Mode == mode).OrderBy(r => r.Seed).ToArray();
                var regular = Of(RegressionMode.Regular);
                var sobolev = Of(RegressionMode.Sobolev);
                if (regular.Length == 0 || sobolev.Length != regular.Length)
                {
                    continue;
                }

                var row = new List<string> { function.Name, size.ToString(CultureInfo.InvariantCulture), Cell(function.Name, size, RegressionMode.Regular)!.RelativeValueMse.ToString(), Cell(function.Name, size, RegressionMode.Sobolev)!.RelativeValueMse.ToString() };
                var three = Of(RegressionMode.RegularOnThreeN);
                if (control) row.Add(three.Length > 0 ? Cell(function.Name, size, RegressionMode.RegularOnThreeN)!.RelativeValueMse.ToString() : "–");
                row.AddRange(Ratio(sobolev, regular));
                if (control) row.AddRange(three.Length == sobolev.Length ? Ratio(sobolev, three) : ["–", "–", "–"]);
                var all = modes.Select(Of).ToArray();
                row.Add(string.Join(" / ", all.Select(rs => rs.Length == 0 ? "–" : G(rs[0].LearningRate))));
                row.Add(G(sobolev[0].Lambda));
                row.Add(string.Join(" / ", all.Select(rs => rs.Length == 0 ? "–" : G(Median(rs.Select(r => (double)r.BestStep))))));
                table.Row(row.ToArray());
            }
        }

        return table.ToString();
    }

    // Geometric-mean ratio a / b over paired seeds with the t interval, a-lower count, and Wilcoxon's p on log a − log b.
    private static string[] Ratio(RegressionRun[] a, RegressionRun[] b)
    {
        var test = Evaluation.PairedTest.Of(a.Select(r => Math.Log(r.ValueMse)).ToArray(), b.Select(r => Math.Log(r.ValueMse)).ToArray());
        var interval = a.Length > 1 ? $" [{G(Math.Exp(test.TTest.CiLow))}, {G(Math.Exp(test.TTest.CiHigh))}]" : "";
        return [G(Math.Exp(test.MeanDifference)) + interval, $"{test.Below}/{test.N}", G(test.Wilcoxon.P)];
    }

    private static string Short(RegressionMode mode) => mode switch
    {
        RegressionMode.Regular => "R",
        RegressionMode.Sobolev => "S",
        _ => "R3n",
    };

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[v.Length / 2 - 1] + v[v.Length / 2]);
    }

    private static string G(double v) => v.ToString("G3", CultureInfo.InvariantCulture);

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
            $"MLP 2→{o.Hidden}→{o.Hidden}→1 (ReLU); full-batch Adam, {o.Steps} steps, learning rate {(o.LearningRateGrid.Length > 0 ? "chosen on validation" : G(o.LearningRate))}; Sobolev weight λ = {(o.LambdaGrid.Length > 0 ? "chosen on validation" : G(o.DerivativeWeight))}; ");
        text.Append(System.Globalization.CultureInfo.InvariantCulture,
            $"{o.Seeds} seed(s); {o.TestPoints} uniform test points; wall time {WallSeconds:F0} s.\n");
        text.Append("Inputs are mapped to [−1, 1]² and values standardised with the training mean and std; errors below are in the functions' original units, mean ± std over seeds. ");
        text.Append("Gradient error is the test mean of ‖∇m − ∇f‖².\n\n");
        text.Append(ToMarkdownTable());
        if (o.Seeds > 1 || o.RegularOnThreeN || o.ValidationPoints > 0)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"\nPaired over {o.Seeds} seeds (same sample and initial weights per seed; the 3n control's sample extends the n-point one). ");
            text.Append(o.ValidationPoints > 0
                ? string.Create(CultureInfo.InvariantCulture, $"Each model keeps its snapshot of lowest value MSE on a separate validation sample of {o.ValidationPoints} uniform points (checked every {o.ValidationEvery} steps of {o.Steps}); ")
                : "The last weights are scored; ");
            text.Append(o.LearningRateGrid.Length > 0 || o.LambdaGrid.Length > 0
                ? string.Create(CultureInfo.InvariantCulture, $"learning rate ∈ {{{string.Join(", ", (o.LearningRateGrid.Length > 0 ? o.LearningRateGrid : [o.LearningRate]).Select(G))}}} and λ ∈ {{{string.Join(", ", (o.LambdaGrid.Length > 0 ? o.LambdaGrid : [o.DerivativeWeight]).Select(G))}}} were chosen per function, size and mode on that sample ({o.TuningSeeds} training samples of their own seeds per grid point, geometric mean of the best validation MSE). ")
                : "no hyperparameter search. ");
            text.Append("Ratios are geometric means over seeds with 95% Student-t intervals (of the mean log ratio); p is Wilcoxon's signed-rank test on the paired log MSEs (exact for ≤ 25 pairs).\n\n");
            text.Append(ToPairedTable());
        }
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
