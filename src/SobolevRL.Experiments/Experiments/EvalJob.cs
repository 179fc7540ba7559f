using SobolevRL.Collection;
using SobolevRL.Distillation;
using SobolevRL.Evaluation;
using SobolevRL.Envs.Core;
using SobolevRL.Replay;
using SobolevRL.Teachers;
using static SobolevRL.UserErrorException;
using static TorchSharp.torch;

namespace SobolevRL.Experiments;

/// <summary>What to evaluate and how, as the config keys of <c>sobolevrl eval</c> name it.</summary>
public sealed record EvalJobOptions
{
    /// <summary>Policy (<c>policy</c>): a .onnx file (with its card) or a distillation run directory.</summary>
    public string Policy { get; init; } = "";

    /// <summary>Environment id (<c>env</c>; null: the policy card's).</summary>
    public string? Env { get; init; }

    /// <summary>Evaluation episodes (<c>episodes</c>; 0: dataset metrics only).</summary>
    public int Episodes { get; init; } = 30;

    /// <summary>Teacher .onnx played under the same protocol (<c>teacher</c>; optional).</summary>
    public string? Teacher { get; init; }

    /// <summary>Labelled dataset source for held-out metrics (<c>data</c>; optional, needs a run directory as policy).</summary>
    public string? Data { get; init; }

    /// <summary>Environment options of a held-out variant (<c>env_option</c>, KEY=VALUE).</summary>
    public IReadOnlyList<string> EnvOptions { get; init; } = [];

    /// <summary>Episodes start from seed <see cref="EvaluationProtocol.SeedBase"/> + this (<c>seed_offset</c>).</summary>
    public long SeedOffset { get; init; }

    /// <summary>Evaluation protocol preset (<c>preset</c>: default, machado2018, mnih2015).</summary>
    public EvaluationPreset Preset { get; init; } = EvaluationPreset.Named("default");

    /// <summary>Game whose output of a multi-game run is evaluated (<c>game</c>; only with such a run as policy).</summary>
    public string? Game { get; init; }

    /// <summary>
    /// Play the shared head of the multi-game run <see cref="Policy"/> on <see cref="Env"/>, a game it was not trained on,
    /// through the gather of that game's actions (<see cref="ZeroShotPolicy"/>; no <see cref="Game"/>).
    /// </summary>
    public bool ZeroShot { get; init; }

    /// <summary>Device of the differentiable student (held-out metrics).</summary>
    public Device Device { get; init; } = CPU;
}

/// <summary>What an evaluation found.</summary>
/// <param name="Policy">The evaluated policy as given.</param>
/// <param name="Protocol">The evaluation protocol's description.</param>
/// <param name="SeedBase">Seed of the first episode.</param>
/// <param name="Returns">The policy's greedy episode returns (null without episodes).</param>
/// <param name="TeacherReturns">The teacher's under the same protocol (null without a teacher or episodes).</param>
/// <param name="PercentOfTeacher">100 · policy / teacher mean return (null when undefined: no returns, or a teacher return of 0).</param>
/// <param name="HeldOut">Held-out dataset metrics (null without a dataset).</param>
public sealed record EvalJobResult(string Policy, string Protocol, long SeedBase, ReturnStatistics? Returns, ReturnStatistics? TeacherReturns,
    double? PercentOfTeacher, HeldOutResult? HeldOut);

/// <summary>The library entry point of <c>sobolevrl eval</c>: episode returns of a policy and of a teacher under one protocol, and held-out dataset metrics.</summary>
public static class EvalJob
{
    /// <summary>Runs the evaluation; every problem a user can fix is a <see cref="UserErrorException"/> (or an <see cref="EnvException"/>).</summary>
    public static EvalJobResult Run(EvalJobOptions job, Action<string>? warn = null)
    {
        if (job.Policy.Length == 0) throw new UserErrorException($"{Key("policy")} is required: a .onnx file or a run directory");
        if (job.Episodes < 0) throw new UserErrorException($"{Key("episodes")} {job.Episodes}: must be >= 0");
        bool isRun = Directory.Exists(job.Policy);
        if (job.ZeroShot && (!isRun || job.Env is null || job.Game is not null))
            throw new UserErrorException($"zero-shot play needs {Key("policy")} a multi-game run directory and {Key("env")} the game to play, and no {Key("game")}");
        using var zeroShot = job.ZeroShot ? ZeroShotPolicy.Open(job.Policy, job.Env!, job.Device) : null;
        int game = zeroShot is not null ? -1 : isRun ? MultiGameRuns.GameIndex(job.Policy, job.Game) : MultiGameRuns.NoGame(job.Game);
        string onnx = zeroShot?.OnnxPath ?? (isRun ? MultiGameRuns.PolicyFile(job.Policy, game) : job.Policy);
        if (!ModelCard.PolicyExists(onnx)) throw new UserErrorException($"policy '{onnx}' does not exist; give a .onnx file or a run directory");
        if (job.Data != null && !isRun)
            throw new UserErrorException($"{Key("data")} needs {Key("policy")} to be a run directory (held-out gradient metrics need the differentiable TorchSharp student)");
        using var actor = TeacherActor.Open(onnx);
        string env = job.Env ?? (actor.Card.Env.Length > 0 ? actor.Card.Env : null)
            ?? throw new UserErrorException($"{Key("env")} is required (the policy has no model card naming its environment)");
        var overrides = EnvOptions.Parse(job.EnvOptions).Values;
        string protocol = EvaluationProtocol.Describe(env, EvaluationProtocol.Options(env, overrides, job.Preset), job.Preset);

        ReturnStatistics? student = null, teacher = null;
        if (job.Episodes > 0)
        {
            student = EpisodeEvaluator.Run(env, job.Preset, overrides, actor, job.Episodes, job.SeedOffset);
            if (job.Teacher != null)
            {
                using var teacherActor = TeacherActor.Open(job.Teacher);
                teacher = EpisodeEvaluator.Run(env, job.Preset, overrides, teacherActor, job.Episodes, job.SeedOffset);
            }
        }
        HeldOutResult? heldOut = null;
        if (job.Data != null)
        {
            using var data = DatasetSource.Open(job.Data, warn);
            using var multi = game >= 0 ? MultiGameStudent.Load(job.Policy, job.Device) : null;
            using var single = multi is null && zeroShot is null ? RunStudent.Load(job.Policy, job.Device) : null;
            var policy = zeroShot?.Policy ?? multi?.Policies[game] ?? single!;
            using var batch = data.HeldOut(int.MaxValue, job.Device);
            heldOut = HeldOutMetrics.Compute(policy, batch, policy.Temperature);
        }
        return new EvalJobResult(job.Policy, protocol, EvaluationProtocol.SeedBase + job.SeedOffset, student, teacher,
            ReturnStatistics.PercentOfTeacher(student, teacher) is { } p && !double.IsNaN(p) ? p : null, heldOut);
    }
}
