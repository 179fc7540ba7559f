using SobolevRL.Evaluation;
using SobolevRL.Evaluation.Aggregates;
using SobolevRL.Experiments;

namespace SobolevRL.Cli.Commands.Eval;

/// <summary><c>sobolevrl eval</c>: episode returns of a policy (and of a teacher under the same protocol), held-out dataset metrics.</summary>
public sealed class EvalCommand : Command<EvalCommand.Settings>
{
    /// <summary>Options of <c>eval</c>.</summary>
    public sealed class Settings : DeviceSettings
    {
        /// <summary>Policy to evaluate.</summary>
        [CommandOption("--policy <FILE|RUN>"), Description("Policy: a .onnx file (with its .card.json) or a distillation run directory.")]
        public string Policy { get; init; } = "";

        /// <summary>Environment id.</summary>
        [CommandOption("--env <ID>"), Description("Environment id (default: the policy card's env).")]
        public string? Env { get; init; }

        /// <summary>Episodes.</summary>
        [CommandOption("--episodes <N>"), Description("Evaluation episodes (0: dataset metrics only)."), DefaultValue(30)]
        public int Episodes { get; init; } = 30;

        /// <summary>Teacher for the percent-of-teacher figure.</summary>
        [CommandOption("--teacher <FILE>"), Description("Teacher .onnx: evaluated under the same protocol; the student's return is reported as percent of it.")]
        public string? Teacher { get; init; }

        /// <summary>Dataset for held-out metrics.</summary>
        [CommandOption("--data <DIR>"), Description("Labelled dataset (directory or smoke:ENV,STATES,LABELS): held-out KL, agreement and gradient error (needs a run directory as --policy).")]
        public string? Data { get; init; }

        /// <summary>Environment options of a held-out variant.</summary>
        [CommandOption("--env-option <KEY=VALUE>"), Description("Environment option of a held-out variant, e.g. ramping=false or sticky_action_prob=0 (repeatable).")]
        public string[] EnvOptions { get; init; } = [];

        /// <summary>Game output of a multi-game run.</summary>
        [CommandOption("--game <GAME>"), Description("With a multi-game run as --policy: the game whose output (head; output logits_GAME of student.onnx) is evaluated.")]
        public string? Game { get; init; }

        /// <summary>Score every game of a multi-game run.</summary>
        [CommandOption("--games"), Description("With a multi-game run as --policy: score every training game and every --held-out game in one call (trained/held-out, return ± 95% CI, % of teacher, held-out metrics).")]
        public bool Games { get; init; }

        /// <summary>Held-out games of --games.</summary>
        [CommandOption("--held-out <GAME=ENV>"), Description("--games: a game the student was not trained on, played zero-shot with its shared head (repeatable).")]
        public string[] HeldOut { get; init; } = [];

        /// <summary>Teachers of --games.</summary>
        [CommandOption("--game-teacher <GAME=FILE>"), Description("--games: the teacher .onnx of a game, for % of teacher (repeatable).")]
        public string[] GameTeachers { get; init; } = [];

        /// <summary>Datasets of --games.</summary>
        [CommandOption("--game-data <GAME=SOURCE>"), Description("--games: a labelled dataset of a game (directory or smoke:...), for held-out KL, agreement and gradient error (repeatable).")]
        public string[] GameData { get; init; } = [];

        /// <summary>Seed offset.</summary>
        [CommandOption("--seed-offset <N>"), Description("Episodes start from seed 1e9 + N (collection uses seeds below 1e9)."), DefaultValue(0L)]
        public long SeedOffset { get; init; }

        /// <summary>Evaluation preset.</summary>
        [CommandOption("--preset <NAME>"), Description("Evaluation protocol: default, machado2018 (sticky 0.25, no no-ops, 108K frames) or mnih2015 (30 no-ops, epsilon 0.05, 18K frames); see src/SobolevRL.Training/Evaluation/README.md."), DefaultValue("default")]
        public string Preset { get; init; } = "default";

        /// <summary>Policies of a suite.</summary>
        [CommandOption("--suite <FILE|RUN>"), Description("Suite evaluation: a policy (.onnx with card, or run directory) per game and run (repeatable, replaces --policy): per-game normalised scores and IQM/median/mean/optimality gap with bootstrap CIs.")]
        public string[] Suite { get; init; } = [];

        /// <summary>Teachers of a suite's games without published scores.</summary>
        [CommandOption("--suite-teacher <FILE>"), Description("Teacher .onnx of a suite game without published human scores (MinAtar): its scores are normalised between random play (0) and the teacher (1) (repeatable).")]
        public string[] SuiteTeachers { get; init; } = [];

        /// <summary>Bootstrap replicates.</summary>
        [CommandOption("--bootstrap-reps <N>"), Description("Stratified-bootstrap replicates of the suite's confidence intervals."), DefaultValue(StratifiedBootstrap.DefaultReps)]
        public int BootstrapReps { get; init; } = StratifiedBootstrap.DefaultReps;

        /// <summary>Performance-profile plot.</summary>
        [CommandOption("--profile <PNG>"), Description("Suite: write the performance profile (fraction of runs above each normalised score) to this PNG.")]
        public string? Profile { get; init; }
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var preset = EvaluationPreset.Named(settings.Preset);
        if (settings.Suite.Length > 0) return SuiteCommand.Run(settings, preset);
        if (settings.Games) return GamesCommand.Run(settings, preset);
        var device = TorchSetup.Apply(settings);
        var r = EvalJob.Run(new EvalJobOptions
        {
            Preset = preset,
            Policy = settings.Policy,
            Env = settings.Env,
            Episodes = settings.Episodes,
            Teacher = settings.Teacher,
            Data = settings.Data,
            EnvOptions = settings.EnvOptions,
            SeedOffset = settings.SeedOffset,
            Game = settings.Game,
            Device = device,
        }, Output.Log);
        var (student, teacher, heldOut, percent) = (r.Returns, r.TeacherReturns, r.HeldOut, r.PercentOfTeacher);
        if (settings.Json)
        {
            Output.Json(new { policy = r.Policy, preset = preset.Name, protocol = r.Protocol, seed_base = r.SeedBase, returns = student, teacher_returns = teacher, percent_of_teacher = percent, held_out = heldOut });
            return 0;
        }
        string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
        var rows = new List<string[]>();
        void Returns(string who, ReturnStatistics s) => rows.Add([who, F(s.Mean), F(s.Median), F(s.Std), $"[{F(s.CiLow)}, {F(s.CiHigh)}]", s.Episodes.ToString(CultureInfo.InvariantCulture)]);
        if (student != null) Returns("policy", student);
        if (teacher != null) Returns("teacher", teacher);
        if (rows.Count > 0) Output.Table($"returns, {r.Protocol}, seeds from {r.SeedBase}", ["who", "mean", "median", "std", "95% CI of mean", "episodes"], rows);
        if (percent is { } p) Output.Log($"policy return = {F(p)}% of the teacher's");
        if (heldOut != null)
            Output.Table("held-out dataset metrics", ["states", "KL(teacher||student)", "agreement", "gradient rel. error"],
                [[heldOut.States.ToString(CultureInfo.InvariantCulture), F(heldOut.Kl), F(heldOut.Agreement), F(heldOut.GradientRelativeError)]]);
        return 0;
    }
}
