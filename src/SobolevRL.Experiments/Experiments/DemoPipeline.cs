using System.Diagnostics;
using System.Globalization;
using System.Text;
using SobolevRL.Distillation;
using SobolevRL.Evaluation;
using SobolevRL.Replay;
using SobolevRL.Reporting;
using SobolevRL.Runs;
using SobolevRL.Teachers;
using static TorchSharp.torch;

namespace SobolevRL.Experiments;

/// <summary>What the demo measured (<c>summary.json</c> of the demo directory).</summary>
/// <param name="Env">Environment id.</param>
/// <param name="Teacher">Teacher file.</param>
/// <param name="TeacherParameters">Teacher parameter count.</param>
/// <param name="TeacherReturns">Teacher's greedy returns under the evaluation protocol (null without episodes).</param>
/// <param name="Dataset">Dataset directory.</param>
/// <param name="TrainStates">Training states of the dataset.</param>
/// <param name="HeldOutStates">Held-out states of the dataset.</param>
/// <param name="Protocol">Evaluation protocol (env and options, seeds).</param>
/// <param name="Students">The Regular and the Sobolev student, or with a λ grid every trial of the search (Regular first).</param>
/// <param name="Report">The Markdown report.</param>
/// <param name="Seconds">Wall time per stage (collect, regular, sobolev or lambda_search, teacher episodes, report, total).</param>
/// <param name="ChosenLambda">The λ of lowest validation KL when a λ grid was searched (0: the Regular student), else null.</param>
public sealed record DemoResult(string Env, string Teacher, long TeacherParameters, ReturnStatistics? TeacherReturns, string Dataset,
    long TrainStates, long HeldOutStates, string Protocol, IReadOnlyList<StudentResult> Students, string Report, IReadOnlyDictionary<string, double> Seconds,
    double? ChosenLambda = null);

/// <summary>
/// The main job, end to end on one machine: a shipped teacher → a labelled dataset on disk → a Regular and a Sobolev
/// student distilled with the same settings and seed → both students and the teacher played under the same protocol and
/// seeds → a report. Everything lands in one directory: <c>dataset/</c>, <c>regular/</c>, <c>sobolev/</c>,
/// <c>report.md</c> with its plots, <c>summary.json</c>.
/// </summary>
public static class DemoPipeline
{
    /// <summary>
    /// Runs the demo into <paramref name="outDir"/>. Run again on the same directory it continues killed work: a finished
    /// dataset or student is kept, a killed collection or distillation resumes.
    /// </summary>
    public static DemoResult Run(DemoOptions o, string outDir, Device device, IProgress<ProgressInfo>? progress = null, CancellationToken cancel = default)
    {
        o.Validate("");
        string teacherPath = ShippedAgents.Resolve(o.Data.Teacher);
        var seconds = new Dictionary<string, double>();
        var total = Stopwatch.StartNew();
        var clock = Stopwatch.StartNew();
        double Lap()
        {
            double s = clock.Elapsed.TotalSeconds;
            clock.Restart();
            return s;
        }

        string datasetDir = Path.Combine(outDir, "dataset");
        o.Data.Ensure(datasetDir, device, progress, cancel);
        seconds["collect"] = Lap();

        using var data = OnDiskDataset.Open(datasetDir, verifyChecksums: false);
        long teacherParameters;
        using (var teacher = TeacherLoader.Load(teacherPath, CPU))
        {
            TeacherFit.Check(teacher, teacherPath, data.Summary);
            teacherParameters = teacher.Graph.ParameterCount;
        }
        var info = new TeacherInfo(teacherPath, teacherParameters);
        var plan = new EpisodePlan(o.Data.Env, o.Episodes, o.MaxEpisodeSteps);
        var baseOptions = o.Distill with { Seed = o.Seed };
        var students = new List<StudentResult>();
        double? chosenLambda = null;
        if (o.LambdaGrid.Length > 0)
        {
            // λ chosen on the validation split; its λ = 0 trial is the Regular student. Every trial is shown, so the table
            // says what the chosen λ won against.
            var search = LambdaSearch.Run(baseOptions with { Loss = baseOptions.Loss with { Sobolev = o.Sobolev } }, o.LambdaGrid, data,
                Path.Combine(outDir, "lambda-search"), device, info, plan, progress, cancel);
            foreach (var trial in search.Trials)
                students.Add(trial.Student with { Name = TrialName(trial.Lambda) });
            chosenLambda = search.Chosen.Lambda;
            seconds["lambda_search"] = Lap();
        }
        foreach (var (name, term) in o.LambdaGrid.Length > 0 ? Array.Empty<(string, string)>() : new[] { ("regular", "off"), ("sobolev", o.Sobolev) })
        {
            var options = baseOptions with { Loss = baseOptions.Loss with { Sobolev = term } };
            students.Add(StudentRuns.Train(name, options, data, Path.Combine(outDir, name), device, info, plan, progress, cancel));
            seconds[name] = Lap();
        }
        var teacherReturns = o.Episodes > 0 ? StudentRuns.Play(teacherPath, plan) : null;
        seconds["teacher_episodes"] = Lap();

        string protocol = $"{EvaluationProtocol.Describe(o.Data.Env, EvaluationProtocol.Options(o.Data.Env))}, greedy, {o.Episodes} episodes from seed {EvaluationProtocol.SeedBase}"
            + (o.MaxEpisodeSteps > 0 ? $", cut at {o.MaxEpisodeSteps} steps" : "");
        var preamble = Preamble(o, teacherPath, teacherParameters, teacherReturns, data.Summary, protocol, students, chosenLambda);
        string report = DistillationReport.Write(students.Select(s => s.RunPath).ToArray(), outDir, preamble);
        seconds["report"] = Lap();
        seconds["total"] = total.Elapsed.TotalSeconds;
        var result = new DemoResult(o.Data.Env, teacherPath, teacherParameters, teacherReturns, datasetDir, data.Summary.TrainStates, data.Summary.HeldOutStates,
            protocol, students, report, seconds, chosenLambda);
        RunDirectory.WriteAtomic(Path.Combine(outDir, RunDirectory.SummaryFile), Json.Serialize(result));
        return result;
    }

    /// <summary>The name of a λ search's trial in the demo's table: <c>regular</c> for λ = 0, else <c>sobolev λ=…</c>.</summary>
    public static string TrialName(double lambda) => lambda == 0 ? "regular" : string.Create(CultureInfo.InvariantCulture, $"sobolev λ={lambda:G4}");

    /// <summary>The line saying which λ validation chose (null without a λ grid).</summary>
    public static string? ChoiceLine(DemoResult r) => r.ChosenLambda is { } l
        ? $"validation chose λ = {F(l)} (`{TrialName(l)}`): the lowest validation KL of the trials; the held-out columns are the test"
        : null;

    /// <summary>The rows of the demo's summary table: teacher, then each student.</summary>
    public static IReadOnlyList<string[]> Rows(DemoResult r) => TableRows(r.TeacherParameters, r.TeacherReturns, r.Students);

    private static List<string[]> TableRows(long teacherParameters, ReturnStatistics? teacherReturns, IReadOnlyList<StudentResult> students)
    {
        List<string[]> rows = [["teacher", teacherParameters.ToString(CultureInfo.InvariantCulture), Returns(teacherReturns), teacherReturns is null ? "–" : "100", "–", "–", "–", "–", "–", "–"]];
        foreach (var s in students)
            rows.Add([s.Name, s.Distill.StudentParameters.ToString(CultureInfo.InvariantCulture), Returns(s.Returns),
                F(ReturnStatistics.PercentOfTeacher(s.Returns, teacherReturns)), F(s.Distill.HeldOutKl), F(s.Distill.HeldOutAgreement), F(s.Distill.HeldOutGradientError),
                F(s.Distill.Lambda), $"{s.Distill.ChosenStep} / {s.Distill.Steps}", F(s.Distill.CpuSeconds)]);
        return rows;
    }

    /// <summary>Column headers of <see cref="Rows"/>.</summary>
    public static readonly string[] Headers = ["policy", "parameters", "return (mean ± 95% CI)", "% of teacher", "held-out KL", "agreement", "gradient rel. error", "λ",
        "kept step / steps (validation)", "train CPU s"];

    private static string Preamble(DemoOptions o, string teacherPath, long teacherParameters, ReturnStatistics? teacherReturns, DatasetSummary data, string protocol,
        IReadOnlyList<StudentResult> students, double? chosenLambda)
    {
        var md = new StringBuilder("## Demo\n\n");
        md.Append(CultureInfo.InvariantCulture, $"Teacher `{teacherPath}` ({teacherParameters} parameters) on {o.Data.Env}; dataset of {data.TrainStates} training and {data.HeldOutStates} held-out states ")
          .Append(CultureInfo.InvariantCulture, $"(teacher acting: {o.Data.Acting.ToString().ToLowerInvariant()}, labels {o.Data.Labels}); students `{o.Distill.Student}`, {o.Distill.Optim.Steps} steps of batch {o.Distill.Optim.BatchSize}, ")
          .Append(CultureInfo.InvariantCulture, $"Regular (value loss only) vs Sobolev ({o.Sobolev}, {o.Distill.Loss.DerivativeLoss.ToString().ToLowerInvariant()}, ")
          .Append(o.LambdaGrid.Length > 0
              ? $"λ chosen by validation KL from {{{string.Join(", ", LambdaSearch.Trials(o.LambdaGrid).Select(l => l.ToString("G4", CultureInfo.InvariantCulture)))}}}, 0 being Regular"
              : string.Create(CultureInfo.InvariantCulture, $"λ = {o.Distill.Loss.Weight:G4}"))
          .Append(CultureInfo.InvariantCulture, $"), same seed. Returns: {protocol}.\n\n");
        var table = new MarkdownTable(Headers);
        foreach (var row in TableRows(teacherParameters, teacherReturns, students)) table.Row(row);
        md.Append(table);
        if (chosenLambda is { } l) md.Append(CultureInfo.InvariantCulture, $"\nValidation chose λ = {F(l)} (`{TrialName(l)}`): the lowest validation KL of the trials.\n");
        return md.ToString();
    }

    private static string Returns(ReturnStatistics? s) => s is null ? "–" : $"{F(s.Mean)} ± {F((s.CiHigh - s.CiLow) / 2)}";

    private static string F(double v) => double.IsNaN(v) ? "–" : v.ToString("G4", CultureInfo.InvariantCulture);
}
