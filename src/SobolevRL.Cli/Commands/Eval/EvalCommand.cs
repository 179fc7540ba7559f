using System.ComponentModel;
using System.Globalization;
using SobolevRL.Cli.Commands.Distill;
using SobolevRL.Cli.Infrastructure;
using SobolevRL.Distillation;
using SobolevRL.Envs.Core;
using SobolevRL.Evaluation;
using SobolevRL.Evaluation.Aggregates;
using SobolevRL.Teachers;
using Spectre.Console.Cli;

namespace SobolevRL.Cli.Commands.Eval;

/// <summary><c>sobolevrl eval</c>: episode returns of a policy (and of a teacher under the same protocol), held-out dataset metrics.</summary>
public sealed class EvalCommand : Command<EvalCommand.Settings>
{
    /// <summary>Options of <c>eval</c>.</summary>
    public sealed class Settings : DeviceSettings
    {
        /// <summary>Policy to evaluate.</summary>
        [CommandOption("--policy <FILE|RUN>")]
        [Description("Policy: a .onnx file (with its .card.json) or a distillation run directory.")]
        public string Policy { get; init; } = "";

        /// <summary>Environment id.</summary>
        [CommandOption("--env <ID>")]
        [Description("Environment id (default: the policy card's env).")]
        public string? Env { get; init; }

        /// <summary>Episodes.</summary>
        [CommandOption("--episodes <N>")]
        [Description("Evaluation episodes (0: dataset metrics only).")]
        [DefaultValue(30)]
        public int Episodes { get; init; } = 30;

        /// <summary>Teacher for the percent-of-teacher figure.</summary>
        [CommandOption("--teacher <FILE>")]
        [Description("Teacher .onnx: evaluated under the same protocol; the student's return is reported as percent of it.")]
        public string? Teacher { get; init; }

        /// <summary>Dataset for held-out metrics.</summary>
        [CommandOption("--data <DIR>")]
        [Description("Labelled dataset (directory or smoke:ENV,STATES,LABELS): held-out KL, agreement and gradient error (needs a run directory as --policy).")]
        public string? Data { get; init; }

        /// <summary>Environment options of a held-out variant.</summary>
        [CommandOption("--env-option <KEY=VALUE>")]
        [Description("Environment option of a held-out variant, e.g. ramping=false or sticky_action_prob=0 (repeatable).")]
        public string[] EnvOptions { get; init; } = [];

        /// <summary>Seed offset.</summary>
        [CommandOption("--seed-offset <N>")]
        [Description("Episodes start from seed 1e9 + N (collection uses seeds below 1e9).")]
        [DefaultValue(0L)]
        public long SeedOffset { get; init; }

        /// <summary>Evaluation preset.</summary>
        [CommandOption("--preset <NAME>")]
        [Description("Evaluation protocol: default, machado2018 (sticky 0.25, no no-ops, 108K frames) or mnih2015 (30 no-ops, epsilon 0.05, 18K frames); see src/SobolevRL/Evaluation/README.md.")]
        [DefaultValue("default")]
        public string Preset { get; init; } = "default";

        /// <summary>Policies of a suite.</summary>
        [CommandOption("--suite <FILE|RUN>")]
        [Description("Suite evaluation: a policy (.onnx with card, or run directory) per game and run (repeatable, replaces --policy): per-game normalised scores and IQM/median/mean/optimality gap with bootstrap CIs.")]
        public string[] Suite { get; init; } = [];

        /// <summary>Teachers of a suite's games without published scores.</summary>
        [CommandOption("--suite-teacher <FILE>")]
        [Description("Teacher .onnx of a suite game without published human scores (MinAtar): its scores are normalised between random play (0) and the teacher (1) (repeatable).")]
        public string[] SuiteTeachers { get; init; } = [];

        /// <summary>Bootstrap replicates.</summary>
        [CommandOption("--bootstrap-reps <N>")]
        [Description("Stratified-bootstrap replicates of the suite's confidence intervals.")]
        [DefaultValue(StratifiedBootstrap.DefaultReps)]
        public int BootstrapReps { get; init; } = StratifiedBootstrap.DefaultReps;

        /// <summary>Performance-profile plot.</summary>
        [CommandOption("--profile <PNG>")]
        [Description("Suite: write the performance profile (fraction of runs above each normalised score) to this PNG.")]
        public string? Profile { get; init; }
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var preset = EvaluationPreset.Named(settings.Preset);
        if (settings.Suite.Length > 0) return SuiteCommand.Run(settings, preset);
        if (settings.Policy.Length == 0) throw new UserErrorException("--policy is required: a .onnx file or a run directory");
        if (settings.Episodes < 0) throw new UserErrorException($"--episodes {settings.Episodes}: must be >= 0");
        var device = TorchSetup.Apply(settings);
        bool isRun = Directory.Exists(settings.Policy);
        string onnx = isRun ? Path.Combine(settings.Policy, DistillTrainer.OnnxFile) : settings.Policy;
        if (!File.Exists(onnx)) throw new UserErrorException($"policy '{onnx}' does not exist; give a .onnx file or a run directory");
        using var actor = TeacherActor.Open(onnx);
        string env = settings.Env ?? (actor.Card.Env.Length > 0 ? actor.Card.Env : null) ?? throw new UserErrorException("--env is required (the policy has no model card naming its environment)");
        var overrides = EnvOptions.Parse(settings.EnvOptions).Values;
        string protocol = EvaluationProtocol.Describe(env, EvaluationProtocol.Options(env, overrides, preset), preset);

        ReturnStatistics? student = null, teacher = null;
        if (settings.Episodes > 0)
        {
            student = EpisodeEvaluator.Run(env, preset, overrides, actor.Act, settings.Episodes, settings.SeedOffset);
            if (settings.Teacher != null)
            {
                using var teacherActor = TeacherActor.Open(settings.Teacher);
                teacher = EpisodeEvaluator.Run(env, preset, overrides, teacherActor.Act, settings.Episodes, settings.SeedOffset);
            }
        }
        HeldOutResult? heldOut = null;
        if (settings.Data != null)
        {
            if (!isRun) throw new UserErrorException("--data needs --policy to be a run directory (held-out gradient metrics need the differentiable TorchSharp student)");
            using var data = DataSource.Open(settings.Data);
            using var policy = RunStudent.Load(settings.Policy, device);
            using var batch = data.HeldOut(int.MaxValue, device);
            heldOut = HeldOutMetrics.Compute(policy, batch, policy.Temperature);
        }
        // Undefined (null in JSON, not a "NaN" string) without both returns or when the teacher's is 0.
        double? percent = student != null && teacher != null && teacher.Mean != 0 ? 100.0 * student.Mean / teacher.Mean : null;
        if (settings.Json)
        {
            Output.Json(new { policy = settings.Policy, preset = preset.Name, protocol, seed_base = EvaluationProtocol.SeedBase + settings.SeedOffset, returns = student, teacher_returns = teacher, percent_of_teacher = percent, held_out = heldOut });
            return 0;
        }
        string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
        var rows = new List<string[]>();
        void Returns(string who, ReturnStatistics s) => rows.Add([who, F(s.Mean), F(s.Median), F(s.Std), $"[{F(s.CiLow)}, {F(s.CiHigh)}]", s.Episodes.ToString(CultureInfo.InvariantCulture)]);
        if (student != null) Returns("policy", student);
        if (teacher != null) Returns("teacher", teacher);
        if (rows.Count > 0) Output.Table($"returns, {protocol}, seeds from {EvaluationProtocol.SeedBase + settings.SeedOffset}", ["who", "mean", "median", "std", "95% CI of mean", "episodes"], rows);
        if (percent is { } p) Output.Log($"policy return = {F(p)}% of the teacher's");
        if (heldOut != null)
            Output.Table("held-out dataset metrics", ["states", "KL(teacher||student)", "agreement", "gradient rel. error"],
                [[heldOut.States.ToString(CultureInfo.InvariantCulture), F(heldOut.Kl), F(heldOut.Agreement), F(heldOut.GradientRelativeError)]]);
        return 0;
    }
}
