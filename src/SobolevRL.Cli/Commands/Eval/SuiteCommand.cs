using SobolevRL.Evaluation;
using SobolevRL.Experiments;
using SobolevRL.Evaluation.Aggregates;
using SobolevRL.Reporting;

namespace SobolevRL.Cli.Commands.Eval;

/// <summary><c>sobolevrl eval --suite ...</c>: prints a <see cref="SuiteEvaluation"/> as per-game rows and one aggregate table (or JSON).</summary>
internal static class SuiteCommand
{
    /// <summary>Evaluates the suite of <paramref name="settings"/> under <paramref name="preset"/>.</summary>
    public static int Run(EvalCommand.Settings settings, EvaluationPreset preset)
    {
        if (settings.Policy.Length > 0) throw new UserErrorException("--suite replaces --policy: give every policy with --suite");
        if (settings.Data != null || settings.Teacher != null || settings.EnvOptions.Length > 0 || settings.Env != null)
            throw new UserErrorException("--suite takes each game from its policy's card and the protocol from --preset; drop --env, --env-option, --teacher and --data (teachers of a suite: --suite-teacher)");
        if (settings.BootstrapReps < 1) throw new UserErrorException($"--bootstrap-reps {settings.BootstrapReps}: must be >= 1");
        TorchSetup.Apply(settings);
        var bootstrap = new StratifiedBootstrap(settings.BootstrapReps);
        var result = SuiteEvaluation.Run(settings.Suite, settings.SuiteTeachers, preset, settings.Episodes, settings.SeedOffset, bootstrap);
        if (settings.Profile != null)
        {
            double top = Math.Max(1.0, result.ScoreTable.SelectMany(s => s).Max());
            PerformanceProfilePlot.Save(settings.Profile, $"performance profile ({result.Games.Count} games)", "normalised score",
                [("policies", PerformanceProfile.Of(result.ScoreTable, PerformanceProfile.Linspace(0, top, 101), bootstrap))]);
        }
        if (settings.Json)
        {
            Output.Json(new
            {
                preset = result.Preset,
                protocol = result.Protocol,
                episodes = result.Episodes,
                seed_base = EvaluationProtocol.SeedBase + settings.SeedOffset,
                games = result.Games.Select(g => new { env = g.Env, normalisation = g.Reference.Kind, low = g.Reference.Low, high = g.Reference.High, returns = g.Returns, scores = g.Scores }),
                aggregate = result.Aggregate,
            });
            return 0;
        }
        string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
        Output.Table($"suite, preset {result.Preset} ({result.Protocol}), {result.Episodes} episodes per run from seed {EvaluationProtocol.SeedBase + settings.SeedOffset}",
            ["game", "runs", "mean return", "normalised by", "random", "reference", "mean normalised score"],
            result.Games.Select(g => new[] { g.Env, g.Scores.Length.ToString(CultureInfo.InvariantCulture), F(g.MeanReturn), g.Reference.Kind, F(g.Reference.Low), F(g.Reference.High), F(g.MeanScore) }));
        var a = result.Aggregate;
        string[] Row(string name, Estimate e) => [name, F(e.Point), $"[{F(e.Low)}, {F(e.High)}]"];
        Output.Table($"aggregates of normalised scores, {a.Games} games x {a.Runs} runs, stratified bootstrap 95% CI ({a.Reps} reps)", ["metric", "value", "95% CI"],
            [Row("IQM", a.InterquartileMean), Row("median", a.Median), Row("mean", a.Mean), Row("optimality gap", a.OptimalityGap)]);
        return 0;
    }
}
