using SobolevRL.Config;
using SobolevRL.Regression;
using SobolevRL.Runs;

namespace SobolevRL.Cli.Commands;

/// <summary>
/// <c>sobolevrl regression</c>: the paper's experiment 1, Regular vs Sobolev training of an MLP on
/// 2-D optimisation test functions; writes a run directory with the results, surfaces and plots.
/// </summary>
public sealed class RegressionCommand : Command<RegressionCommand.Settings>
{
    /// <summary>Options of <c>regression</c>; each flag overrides one config key.</summary>
    public sealed class Settings : ExperimentSettings
    {
        /// <summary>Test functions.</summary>
        [CommandOption("--functions <LIST>"), Description("Comma-separated test functions (config key functions): ackley, beale, booth, bukin6, mccormick, rosenbrock, styblinski-tang, ackley-5 (Ackley on the box from -5 to 5).")]
        public string? Functions { get; init; }

        /// <summary>Training-set sizes.</summary>
        [CommandOption("--sizes <LIST>"), Description("Comma-separated training-set sizes (config key sizes), e.g. 20,100.")]
        public string? Sizes { get; init; }
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        TorchSetup.Apply(settings);
        var options = ConfigLoader.Load<RegressionOptions>(settings.Config, settings.Overrides(
            ("functions", RunSettings.List(settings.Functions)), ("sizes", RunSettings.List(settings.Sizes)),
            ("seeds", settings.Seeds), ("steps", settings.Steps), ("device", settings.Device)));
        var run = RunDirectory.Create("regression", settings.Out, settings.Resume);
        ConfigLoader.Save(options, run.File(RunDirectory.ConfigFile));
        if (!settings.Json)
        {
            Output.Log($"run directory: {run.Path}");
        }

        int models = RegressionExperiment.ModelCount(options);
        var report = CliProgress.Run(
            progress =>
            {
                progress.Report(new ProgressInfo("regression", 0, models, "models"));
                return RegressionExperiment.Run(
                options,
                run.Path,
                new Progress<RegressionProgress>(p => progress.Report(new ProgressInfo("regression", p.Completed, p.Total, "models"))),
                cancellationToken);
            },
            plain: settings.Json);

        if (settings.Json)
        {
            Output.Json(report);
        }
        else
        {
            Output.Table(
                "regression: test errors in original units, mean ± std over seeds",
                ["function", "n", "value MSE Regular", "value MSE Sobolev", "grad error Regular", "grad error Sobolev"],
                Rows(report));
            if (options.Seeds > 1 || options.RegularOnThreeN || options.ValidationPoints > 0)
            {
                Console.Out.Write(report.ToPairedTable());
            }

            Output.Log($"report: {run.File(RunDirectory.ReportFile)}");
        }

        return 0;
    }

    private static IEnumerable<string[]> Rows(RegressionReport report)
    {
        foreach (var function in report.Functions)
        {
            foreach (var size in report.Options.Sizes)
            {
                var regular = report.Cell(function.Name, size, RegressionMode.Regular);
                var sobolev = report.Cell(function.Name, size, RegressionMode.Sobolev);
                if (regular is null || sobolev is null)
                {
                    continue;
                }

                yield return
                [
                    function.Name, size.ToString(CultureInfo.InvariantCulture),
                    regular.ValueMse.ToString(), sobolev.ValueMse.ToString(),
                    regular.GradientMse.ToString(), sobolev.GradientMse.ToString(),
                ];
            }
        }
    }
}
