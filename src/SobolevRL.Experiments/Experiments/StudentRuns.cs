using SobolevRL.Teachers;
using System.Text.Json;
using SobolevRL.Distillation;
using SobolevRL.Evaluation;
using SobolevRL.Replay;
using SobolevRL.Runs;
using static TorchSharp.torch;

namespace SobolevRL.Experiments;

/// <summary>A distilled student: its run, its held-out figures and (when played) its episode returns.</summary>
/// <param name="Name">Short name (e.g. regular, sobolev).</param>
/// <param name="RunPath">Its run directory.</param>
/// <param name="Distill">Final figures of the distillation.</param>
/// <param name="Returns">Greedy episode returns under the evaluation protocol (null when no episodes were played).</param>
public sealed record StudentResult(string Name, string RunPath, DistillSummary Distill, ReturnStatistics? Returns);

/// <summary>How experiments play evaluation episodes.</summary>
/// <param name="EnvId">Environment id (its standard protocol, <see cref="EvaluationProtocol"/>).</param>
/// <param name="Episodes">Episodes per policy (0: none).</param>
/// <param name="MaxEpisodeSteps">Cut episodes after this many steps (0: no cut).</param>
public sealed record EpisodePlan(string EnvId, int Episodes, int MaxEpisodeSteps);

/// <summary>Distils students and plays policies the same way in every experiment.</summary>
public static class StudentRuns
{
    /// <summary>File of a finished student's <see cref="StudentResult"/> inside its run directory.</summary>
    public const string ResultFile = "student.json";

    /// <summary>
    /// Distils a student into <paramref name="runDir"/> and plays its exported ONNX policy. Killed work resumes: a run
    /// with <see cref="ResultFile"/> is finished and returned as recorded; one with a checkpoint continues from it (to
    /// the same weights on CPU); one without (killed before its first checkpoint) starts again.
    /// </summary>
    public static StudentResult Train(string name, DistillOptions options, IReplayDataset data, string runDir, Device device, TeacherInfo? teacher,
        EpisodePlan episodes, IProgress<ProgressInfo>? progress, CancellationToken cancel) =>
        Once(runDir, () =>
        {
            var (run, summary, _) = DistillJob.Run(options, data, runDir, name, DistillStart.ResumeIfCheckpointed, teacher, device, progress, cancel);
            var returns = episodes.Episodes > 0 ? Play(summary.OnnxPath, episodes) : null;
            return new StudentResult(name, run.Path, summary, returns);
        });

    /// <summary>
    /// The result recorded in <paramref name="runDir"/>'s <see cref="ResultFile"/> by an earlier call, or else the result of
    /// <paramref name="train"/> (which trains, or resumes, the run in <paramref name="runDir"/>), recorded there.
    /// </summary>
    public static T Once<T>(string runDir, Func<T> train)
    {
        string resultPath = Path.Combine(runDir, ResultFile);
        if (File.Exists(resultPath))
            return JsonSerializer.Deserialize<T>(File.ReadAllText(resultPath), Json.Options)
                ?? throw new UserErrorException($"{resultPath} is empty; delete it to train the student again");
        var result = train();
        RunDirectory.WriteAtomic(resultPath, Json.Serialize(result));
        return result;
    }

    /// <summary>Plays <paramref name="plan"/>'s episodes greedily with the ONNX policy at <paramref name="onnxPath"/> (through ONNX Runtime).</summary>
    public static ReturnStatistics Play(string onnxPath, EpisodePlan plan)
    {
        using var actor = TeacherActor.Open(onnxPath);
        return EpisodeEvaluator.Run(plan.EnvId, EvaluationProtocol.Options(plan.EnvId), actor.Act, plan.Episodes, maxEpisodeSteps: plan.MaxEpisodeSteps);
    }
}
