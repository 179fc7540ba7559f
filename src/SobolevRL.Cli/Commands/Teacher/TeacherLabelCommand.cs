using System.Diagnostics;
using SobolevRL.IO;
using SobolevRL.Teachers;

namespace SobolevRL.Cli.Commands.Teacher;

/// <summary><c>sobolevrl teacher label FILE --states S.npy --out L.npz</c>: teacher labels of stored states.</summary>
public sealed class TeacherLabelCommand : Command<TeacherLabelCommand.Settings>
{
    /// <summary>Options of <c>teacher label</c>.</summary>
    public sealed class Settings : TeacherSettings
    {
        /// <summary>States file.</summary>
        [CommandOption("--states <FILE>"), Description("States as .npy, uint8 or float32, N × observation shape (e.g. N × 4 × 10 × 10), in the environment's range.")]
        public string States { get; init; } = "";

        /// <summary>Output archive.</summary>
        [CommandOption("--out <FILE>"), Description("Output .npz with float32 logits, logp and jac (full) or vjp + v (vjp:K).")]
        public string Out { get; init; } = "";

        /// <summary>Gradient labels.</summary>
        [CommandOption("--jacobian <MODE>"), Description("Gradient labels: full (whole Jacobian of the log-policy), vjp:K (K random projections) or none."), DefaultValue("vjp:1")]
        public string Jacobian { get; init; } = "vjp:1";

        /// <summary>Seed of the projection vectors.</summary>
        [CommandOption("--seed <N>"), Description("Seed of the random projection vectors v (vjp:K)."), DefaultValue(0L)]
        public long Seed { get; init; }

        /// <summary>Batch size.</summary>
        [CommandOption("--batch <B>"), Description("States labelled per batch."), DefaultValue(64)]
        public int Batch { get; init; } = 64;
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.States.Length == 0) throw new UserErrorException("--states is required: the .npy file of states to label");
        if (settings.Out.Length == 0) throw new UserErrorException("--out is required: the .npz file to write");
        if (settings.Batch < 1) throw new UserErrorException($"--batch {settings.Batch}: must be >= 1");
        TeacherSettings.RequireWritableFile(settings.Out, "--out");
        LabelMode mode = LabelMode.Parse(settings.Jacobian);
        using OnnxTeacher teacher = settings.LoadTeacher();
        NpyArray states = NpyFile.Read(settings.States);
        var clock = Stopwatch.StartNew();
        var arrays = CliProgress.Run(progress => StateLabelling.Label(teacher, states, mode, settings.Seed, settings.Batch, settings.States, progress), plain: settings.Json);
        double seconds = clock.Elapsed.TotalSeconds;
        NpzFile.Write(settings.Out, arrays);
        var summary = new
        {
            file = teacher.Path,
            states = states.Shape[0],
            out_file = settings.Out,
            jacobian = mode.ToString(),
            seed = settings.Seed,
            arrays = arrays.ToDictionary(a => a.Key, a => a.Value.Shape),
            seconds,
            states_per_s = states.Shape[0] / Math.Max(seconds, 1e-9),
        };
        if (settings.Json) Output.Json(summary);
        else Output.Table($"labelled {states.Shape[0]} states → {settings.Out}", ["array", "shape"],
            summary.arrays.Select(a => new[] { a.Key, "[" + string.Join(", ", a.Value) + "]" }));
        return 0;
    }
}
