using System.Text.Json.Serialization;
using SobolevRL.Config;
using SobolevRL.Envs.Registry;
using SobolevRL.Policies;
using SobolevRL.Runs;
using SobolevRL.Teachers.Training;
using static SobolevRL.UserErrorException;
using static TorchSharp.torch;

namespace SobolevRL.Teachers;

/// <summary>Everything a teacher-training job needs, as the config keys of <c>sobolevrl teacher train</c> name it.</summary>
public sealed record TeacherTrainJobOptions : RunJobOptions
{
    /// <summary>Training algorithm (<c>algo</c>): <c>ppo</c> or <c>dqn</c>.</summary>
    public string Algorithm { get; init; } = "ppo";

    /// <summary>Continue the run in <see cref="RunJobOptions.OutDir"/> from its checkpoint (<c>resume</c>).</summary>
    public bool Resume { get; init; }

    /// <summary>The command line of this session, recorded in the run and on the card.</summary>
    public string Invocation { get; init; } = "";

    /// <summary>Called with the resolved plan after the checks and before anything is written (a front end shows or refuses the plan here).</summary>
    public Action<TeacherTrainPlan>? ConfirmPlan { get; init; }
}

/// <summary>What a teacher-training job is about to do.</summary>
/// <param name="Algorithm">ppo or dqn.</param>
/// <param name="Env">Environment id.</param>
/// <param name="Frames">Frame budget.</param>
/// <param name="NumEnvs">Parallel envs.</param>
/// <param name="Network">The resolved network kind (minatar or nature).</param>
public sealed record TeacherTrainPlan(string Algorithm, string Env, long Frames, int NumEnvs, string Network);

/// <summary>Final figures of a teacher training (<c>summary.json</c> of its run).</summary>
/// <param name="Env">Environment id.</param>
/// <param name="Algo">Algorithm.</param>
/// <param name="Frames">Frames trained, summed over envs.</param>
/// <param name="Updates">Updates done.</param>
/// <param name="WallTimeSeconds">Wall time of all sessions.</param>
/// <param name="FramesPerSecond">Frames per second over the whole run.</param>
/// <param name="SessionFramesPerSecond">Frames per second of this session.</param>
/// <param name="TrainingEpisodes">Training episodes finished.</param>
/// <param name="TrainingReturnLast100">Mean return of the last (up to) 100 training episodes.</param>
/// <param name="Evaluation">The evaluation (null when skipped).</param>
/// <param name="Policy">The exported policy.onnx.</param>
/// <param name="Card">Its model card.</param>
public sealed record TeacherTrainSummary(string Env, string Algo, long Frames, int Updates, double WallTimeSeconds, double FramesPerSecond, double SessionFramesPerSecond,
    long TrainingEpisodes, [property: JsonPropertyName("training_return_last_100")] double TrainingReturnLast100, TeacherEvaluationSummary? Evaluation, string Policy, string Card);

/// <summary>The evaluation figures of a <see cref="TeacherTrainSummary"/>.</summary>
/// <param name="Protocol">Evaluation protocol.</param>
/// <param name="GreedyMean">Greedy mean return.</param>
/// <param name="GreedyStd">Greedy return standard deviation.</param>
/// <param name="GreedyTruncated">Greedy episodes cut at the step limit.</param>
/// <param name="StochasticMean">Stochastic mean return.</param>
/// <param name="StochasticStd">Stochastic return standard deviation.</param>
/// <param name="StochasticTruncated">Stochastic episodes cut at the step limit.</param>
/// <param name="Acting">The acting mode the card recommends.</param>
public sealed record TeacherEvaluationSummary(string Protocol, double GreedyMean, double GreedyStd, int GreedyTruncated, double StochasticMean, double StochasticStd,
    int StochasticTruncated, string? Acting);

/// <summary>What a teacher-training job did.</summary>
/// <param name="Run">The run directory.</param>
/// <param name="Options">The resolved config (<see cref="PpoOptions"/> or <see cref="DqnOptions"/>).</param>
/// <param name="State">Counters at the end of this session.</param>
/// <param name="Completed">The frame budget was reached (false: stopped early with a checkpoint; nothing exported).</param>
/// <param name="Evaluation">The evaluation of the finished policy (null when stopped or skipped).</param>
/// <param name="Summary">Final figures of a completed run (null when stopped).</param>
public sealed record TeacherTrainJobResult(RunDirectory Run, object Options, PpoProgressState State, bool Completed, TeacherEvaluation? Evaluation, TeacherTrainSummary? Summary);

/// <summary>
/// The library entry point of <c>sobolevrl teacher train</c>: resolves the config (on resume the run's saved one),
/// checks the environment before anything is written, trains with PPO (resumable), evaluates the finished policy
/// and writes <c>policy.onnx</c>, its model card (with the training record of every session) and <c>summary.json</c>.
/// </summary>
public static class TeacherTrainJob
{
    /// <summary>File of the run listing the command line of every session.</summary>
    public const string CommandsFile = "commands.txt";

    /// <summary>
    /// Runs the job. <paramref name="started"/> hears the run directory once it exists; cancelling stops after the
    /// current update with a checkpoint (the result is then not <see cref="TeacherTrainJobResult.Completed"/>).
    /// </summary>
    public static TeacherTrainJobResult Run(TeacherTrainJobOptions job, IProgress<ProgressInfo>? progress = null, CancellationToken cancel = default,
        Action<RunDirectory>? started = null)
    {
        if (job.Algorithm == "dqn") return RunDqn(job, progress, cancel, started);
        if (job.Algorithm != "ppo") throw new UserErrorException($"{Key("algo")} {job.Algorithm}: unknown algorithm; the implemented ones are ppo and dqn");
        var options = ConfigLoader.Load<PpoOptions>(ResumeConfig.File(job.ConfigFile, job.OutDir, job.Resume && job.OutDir is not null), job.Overrides);
        // A new Atari run takes the standard Atari recipe for the keys left at their MinAtar defaults; a resumed run's
        // saved config already holds the values it was started with.
        if (!job.Resume && TeacherTrainingOptions.IsAtari(options.Env)) options = options.WithAtariRecipe();
        // A wrong env id, option or observation shape is reported before anything is written.
        var network = PpoTrainer.CheckEnv(options);
        job.ConfirmPlan?.Invoke(new TeacherTrainPlan("ppo", options.Env, options.Frames, options.NumEnvs, network.Kind));
        var run = Start(job, options, options.Env, started);

        var result = PpoTrainer.Train(options, run, job.Device, job.Resume, progress, cancel);
        using var model = result.Model;
        if (!result.Completed) return new TeacherTrainJobResult(run, options, result.State, false, null, null);
        var policy = result.Policy();
        model.eval();
        TeacherEvaluation? evaluation = null;
        if (options.Evaluation.Episodes > 0)
            evaluation = TeacherExport.Evaluate(policy, options.Env, options.Evaluation,
                (mode, n) => progress?.Report(new ProgressInfo($"evaluate {mode}", n, options.Evaluation.Episodes, "episodes")));
        var architecture = TeacherExport.Architecture(result.Network, options.ConvChannels, options.Hidden);
        return Finish(job, run, options, options.Env, options.Seed, policy, result.State, result.FramesPerSecond, evaluation, architecture, PolicyOutputKind.Logits);
    }

    // DQN: the same config resolution, checks, export and summary as PPO (its checkpoint also holds the replay memory).
    private static TeacherTrainJobResult RunDqn(TeacherTrainJobOptions job, IProgress<ProgressInfo>? progress, CancellationToken cancel, Action<RunDirectory>? started)
    {
        var options = ConfigLoader.Load<DqnOptions>(ResumeConfig.File(job.ConfigFile, job.OutDir, job.Resume && job.OutDir is not null), job.Overrides);
        if (!job.Resume && TeacherTrainingOptions.IsAtari(options.Env)) options = options.WithAtariRecipe();
        var network = PpoTrainer.CheckEnv(options.Env, options.EnvOptions, options.Network);
        job.ConfirmPlan?.Invoke(new TeacherTrainPlan("dqn", options.Env, options.Frames, options.NumEnvs, network.Kind));
        var run = Start(job, options, options.Env, started);
        var result = DqnTrainer.Train(options, run, job.Device, job.Resume, progress, cancel);
        using var q = result.QNetwork;
        if (!result.Completed) return new TeacherTrainJobResult(run, options, result.State, false, null, null);
        var policy = result.Policy();
        q.eval();
        TeacherEvaluation? evaluation = null;
        if (options.Evaluation.Episodes > 0)
            evaluation = TeacherExport.Evaluate(policy, options.Env, options.Evaluation,
                (mode, n) => progress?.Report(new ProgressInfo($"evaluate {mode}", n, options.Evaluation.Episodes, "episodes")));
        string architecture = result.Network.Describe(options.ConvChannels, options.Hidden, "(Q-values); trained with DQN (target network, replay, Huber loss)");
        return Finish(job, run, options, options.Env, options.Seed, policy, result.State, result.FramesPerSecond, evaluation, architecture, PolicyOutputKind.QValues);
    }

    private static RunDirectory Start<T>(TeacherTrainJobOptions job, T options, string env, Action<RunDirectory>? started) where T : notnull
    {
        string game = env.Split('/')[^1];
        var run = RunDirectory.Create($"teacher-{game}", job.OutDir, job.Resume);
        // Saved, not checked against the saved one: a resumed teacher run may extend its frame budget.
        ConfigLoader.Save(options, run.File(RunDirectory.ConfigFile));
        // Every session of the run (first start, resumes) is recorded; the card lists them all.
        File.AppendAllLines(run.File(CommandsFile), [job.Invocation]);
        started?.Invoke(run);
        return run;
    }

    private static TeacherTrainJobResult Finish(TeacherTrainJobOptions job, RunDirectory run, object options, string env, long seed, ModulePolicy policy,
        PpoProgressState s, double sessionFps, TeacherEvaluation? evaluation, string architecture, PolicyOutputKind outputKind)
    {
        var training = new TrainingRecord
        {
            Algorithm = job.Algorithm,
            Command = string.Join(" ; then ", File.ReadAllLines(run.File(CommandsFile)).Where(l => l.Length > 0)),
            Frames = s.Frames,
            WallTimeSeconds = Math.Round(s.WallTimeSeconds, 1),
            Seed = seed,
        };
        string onnx = run.File("policy.onnx");
        var card = TeacherExport.Write(policy, onnx, env, architecture, training, evaluation, outputKind);
        var summary = new TeacherTrainSummary(env, job.Algorithm, s.Frames, s.Updates, s.WallTimeSeconds,
            s.WallTimeSeconds > 0 ? s.Frames / s.WallTimeSeconds : double.NaN, sessionFps, s.Episodes,
            s.RecentReturns.Length > 0 ? s.RecentReturns.Average() : double.NaN,
            evaluation is null ? null : new TeacherEvaluationSummary(evaluation.Protocol, evaluation.Greedy.Mean, evaluation.Greedy.Std, evaluation.Greedy.Truncated,
                evaluation.Stochastic.Mean, evaluation.Stochastic.Std, evaluation.Stochastic.Truncated, card.Evaluation?.Acting),
            onnx, ModelCard.PathFor(onnx));
        run.WriteSummary(summary);
        return new TeacherTrainJobResult(run, options, s, true, evaluation, summary);
    }
}
