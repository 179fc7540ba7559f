using SobolevRL.Envs.Core;
using SobolevRL.Envs.Registry;
using SobolevRL.Teachers;

namespace SobolevRL.Cli.Commands.Teacher;

/// <summary>
/// <c>sobolevrl teacher check FILE</c>: ONNX Runtime vs the rebuilt graph on random and real states, and gradient
/// labels vs finite differences through ONNX Runtime; exits non-zero past tolerance.
/// </summary>
public sealed class TeacherCheckCommand : Command<TeacherCheckCommand.Settings>
{
    /// <summary>Exit code when a check fails.</summary>
    public const int CheckFailedExitCode = 1;

    /// <summary>Options of <c>teacher check</c>.</summary>
    public sealed class Settings : TeacherSettings
    {
        /// <summary>Environment to roll out for real states.</summary>
        [CommandOption("--env <ID>"), Description("Environment whose states (random-policy rollout) are checked too, e.g. MinAtar/Breakout-v1; default: the card's env, if any.")]
        public string? Env { get; init; }

        /// <summary>Environment options.</summary>
        [CommandOption("--env-option <KEY=VALUE>"), Description("Environment option (repeatable; see `sobolevrl env list`).")]
        public string[] EnvOption { get; init; } = [];

        /// <summary>States per set.</summary>
        [CommandOption("--states <N>"), Description("States per set (random, and environment)."), DefaultValue(64)]
        public int States { get; init; } = 64;

        /// <summary>Seed.</summary>
        [CommandOption("--seed <N>"), Description("Seed of random states, rollout, action vectors and directions."), DefaultValue(0L)]
        public long Seed { get; init; }
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.States < 1) throw new UserErrorException($"--states {settings.States}: must be >= 1");
        using OnnxTeacher teacher = settings.LoadTeacher();
        int size = (int)teacher.ObservationShape.Aggregate(1L, (a, d) => a * d);
        var sets = new List<(string Name, float[] States)> { ("random", RandomStates(teacher, settings.States, size, settings.Seed)) };
        string? envId = settings.Env ?? (teacher.Card.Env.Length > 0 ? teacher.Card.Env : null);
        if (envId is not null)
        {
            using IEnv env = EnvRegistry.CreateDefault().Make(envId, EnvOptions.Parse(settings.EnvOption));
            TeacherCompatibility.Check(teacher, env);
            byte[] bytes = RandomRolloutStates.Collect(env, settings.States, settings.Seed);
            sets.Add(($"env {envId}", bytes.Select(b => (float)b).ToArray()));
        }
        using TeacherActor actor = teacher.CreateActor(Math.Min(64, settings.States));
        // A recurrent teacher is checked from the zero state and from the states it carries reading each set in order.
        var checks = sets.Select(s => (s.Name, s.States, State: (float[]?)null)).ToList();
        if (teacher.StateSize > 0) checks.AddRange(sets.Select(s => (s.Name + ", carried state", s.States, (float[]?)TeacherCheck.CarriedStates(teacher, s.States))));
        var outputs = checks.Select(s => TeacherCheck.CompareOutputs(teacher, actor, s.States, s.Name, s.State)).ToArray();
        var gradients = checks.Select(s => TeacherCheck.CompareGradients(teacher, actor, s.States, s.Name, settings.Seed, s.State)).ToArray();
        var kinds = sets.Select(s => TeacherCheck.CheckOutputKind(teacher, s.States, s.Name)).ToArray();
        bool passed = outputs.All(o => o.Passed) && gradients.All(g => g.Passed) && kinds.All(k => k.Passed);
        if (settings.Json)
        {
            Output.Json(new { file = teacher.Path, passed, outputs, gradients, output_kind = kinds.Select(k => k with { Problem = Explain(k) }) });
        }
        else
        {
            Output.Table("output kind (card or inferred from the final node) vs the outputs", ["states", "kind", "final node", "ok"],
                kinds.Select(k => new[] { k.States, k.Kind, k.FinalOp ?? "-", k.Passed ? "yes" : "NO: " + Explain(k) }));
            Output.Table("ONNX Runtime vs rebuilt graph (logits)", ["states", "n", "max abs diff", "max rel diff", "tolerance", "ok"],
                outputs.Select(o => new[] { o.States, N(o.Count), G(o.MaxAbsDiff), G(o.MaxRelDiff), G(o.Tolerance), o.Passed ? "yes" : "NO" }));
            Output.Table("gradient labels vs finite differences through ONNX Runtime (one-sided where a kink lies on the segment, else integrated along it)",
                ["states", "n", "step h", "max abs err", "max rel err", "max err/tol", "kinked", "one-sided", "integrated", "unresolved", "ok"],
                gradients.Select(g => new[] { g.States, N(g.Count), G(g.Step), G(g.MaxAbsError), G(g.MaxRelError), G(g.MaxErrorOverTolerance),
                    N(g.Kinked), N(g.OneSided), N(g.Integrated), N(g.Unresolved), g.Passed ? "yes" : "NO" }));
        }
        if (!passed) Output.Log($"error: teacher '{teacher.Path}' failed the check (see the tables)");
        return passed ? 0 : CheckFailedExitCode;
    }

    // The problem with its fix, naming the card's key and this command's flag for it.
    static string? Explain(OutputKindAgreement k) =>
        k.Passed ? null : $"{k.Problem}; set {TeacherCheck.OutputKindKey} in the card (or {CliFlags.NameOf(TeacherCheck.OutputKindKey)}) to {k.Fix}";

    // Uniform in the network's [0, 1] input range, mapped back to observation units.
    static float[] RandomStates(OnnxTeacher teacher, int count, int size, long seed)
    {
        var random = new Random(unchecked((int)seed));
        var states = new float[count * size];
        float range = (float)(1.0 / teacher.Card.Input.Scale);
        for (int i = 0; i < states.Length; i++) states[i] = random.NextSingle() * range;
        return states;
    }

    static string G(double x) => x.ToString("G4", CultureInfo.InvariantCulture);

    static string N(int x) => x.ToString(CultureInfo.InvariantCulture);
}
