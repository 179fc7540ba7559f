using System.Globalization;
using SobolevRL.Onnx;
using SobolevRL.Policies;
using SobolevRL.Replay;
using SobolevRL.Teachers;
using static TorchSharp.torch;
using SobolevRL.Hardware;

namespace SobolevRL.Distillation;

/// <summary>Exports a trained student to ONNX with its model card and checks ONNX Runtime against TorchSharp.</summary>
public static class StudentExport
{
    /// <summary>
    /// Writes <paramref name="path"/> and its card; returns the largest |ORT − TorchSharp| logit difference on
    /// <paramref name="heldOut"/>. Throws when it exceeds <see cref="DistillTrainer.OnnxTolerance"/>.
    /// </summary>
    public static double Export(ModulePolicy student, StudentSpec spec, DatasetSummary data, LabelMode sobolev, DistillOptions options, string path, ReplayBatch heldOut)
    {
        OnnxExporter.Export(student.Network, data.ObservationShape, path, new OnnxExportOptions { Description = Description(spec, data.EnvId, sobolev, options) });
        Card(student, spec, data, sobolev, options).Write(ModelCard.PathFor(path));
        return Check(student, path, null, heldOut);
    }

    /// <summary>
    /// Writes the students of several games, sharing one input (a multi-game student's per-game views), as one ONNX
    /// file <paramref name="path"/> with one output per game (<see cref="OutputName"/>) and a card listing which output
    /// is which game (<see cref="ModelCard.Games"/>; its own fields are game 0's); returns each output's largest
    /// |ORT − TorchSharp| logit difference on that game's <paramref name="heldOut"/> states.
    /// </summary>
    public static double[] ExportGames(IReadOnlyList<string> games, IReadOnlyList<ModulePolicy> students, StudentSpec spec, IReadOnlyList<DatasetSummary> data,
        LabelMode sobolev, DistillOptions options, string path, IReadOnlyList<ReplayBatch> heldOut)
    {
        OnnxExporter.Export([.. games.Select((g, i) => (OutputName(g), (TorchSharp.torch.nn.Module)students[i].Network))], data[0].ObservationShape, path,
            new OnnxExportOptions { Description = Description(spec, string.Join(", ", data.Select(d => d.EnvId)), sobolev, options) });
        (Card(students[0], spec, data[0], sobolev, options) with
        {
            PolicyOutput = OutputName(games[0]),
            Games = [.. games.Select((g, i) => new GameOutputCard { Game = g, Env = data[i].EnvId, Output = OutputName(g), Actions = data[i].Actions, Temperature = students[i].Temperature, HeadIndices = GatheredActions(students[i]) })],
        }).Write(ModelCard.PathFor(path));
        return [.. games.Select((g, i) => Check(students[i], path, OutputName(g), heldOut[i]))];
    }

    /// <summary>
    /// Writes the zero-shot policy <paramref name="student"/> (<see cref="MultiGameStudent.ZeroShot"/>) for environment
    /// <paramref name="env"/> to <paramref name="path"/> with its card; <paramref name="source"/> (the run) is recorded
    /// in the card's training record.
    /// </summary>
    public static void ExportZeroShot(ModulePolicy student, string env, string source, string path)
    {
        OnnxExporter.Export(student.Network, student.ObservationShape, path,
            new OnnxExportOptions { Description = $"SobolevRL multi-game student of {source}, shared head played zero-shot on {env}" });
        new ModelCard
        {
            Env = env,
            Architecture = $"shared head of {source}",
            OutputKind = PolicyOutputKind.Logits,
            Temperature = student.Temperature,
            Actions = student.Actions,
            Input = new ModelInput { Scale = student.InputScale, Shape = student.ObservationShape },
            Training = new TrainingRecord { Algorithm = "zero-shot (not trained on this game)", Command = Environment.CommandLine },
        }.Write(ModelCard.PathFor(path));
    }

    /// <summary>The shared-head outputs a game's policy gathers (its network ends in an <see cref="ActionGather"/>), or null.</summary>
    static int[]? GatheredActions(ModulePolicy student) =>
        student.Network is TorchSharp.Modules.Sequential s && s.children().LastOrDefault() is ActionGather g ? [.. g.Indices] : null;

    /// <summary>Name of game <paramref name="game"/>'s output in a multi-game policy file: <c>logits_GAME</c>.</summary>
    public static string OutputName(string game) => $"logits_{game.ToLowerInvariant()}";

    static string Description(StudentSpec spec, string envs, LabelMode sobolev, DistillOptions options) =>
        $"SobolevRL student {spec} distilled on {envs}, sobolev={sobolev}, value loss {options.Loss.Value}";

    static ModelCard Card(ModulePolicy student, StudentSpec spec, DatasetSummary data, LabelMode sobolev, DistillOptions options) => new()
    {
        Env = data.EnvId,
        Architecture = spec.ToString(),
        OutputKind = PolicyOutputKind.Logits,
        Temperature = student.Temperature,
        Actions = data.Actions,
        Input = new ModelInput { Scale = student.InputScale, Shape = data.ObservationShape },
        Training = new TrainingRecord
        {
            Algorithm = sobolev.Kind == LabelKind.None ? "distillation" : $"sobolev distillation ({sobolev})",
            Command = Environment.CommandLine,
            Seed = options.Seed,
        },
    };

    /// <summary>
    /// Largest |ORT − TorchSharp| logit difference of output <paramref name="output"/> (null: the first) of
    /// <paramref name="path"/> against <paramref name="student"/> on up to 256 of <paramref name="heldOut"/>'s states;
    /// throws when it exceeds <see cref="DistillTrainer.OnnxTolerance"/>.
    /// </summary>
    public static double Check(ModulePolicy student, string path, string? output, ReplayBatch heldOut)
    {
        int n = (int)Math.Min(heldOut.Size, 256);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = heldOut.Observations.narrow(0, 0, n).to(student.Device);
        float[] expected = student.Logits(x).cpu().data<float>().ToArray();
        float[] input = x.Times(student.InputScale).cpu().contiguous().data<float>().ToArray();
        using var ort = new OrtPolicy(path, n, output);
        var actual = ort.Run(input, n);
        double maxDiff = 0;
        for (int i = 0; i < expected.Length; i++) maxDiff = Math.Max(maxDiff, Math.Abs(expected[i] - actual[i]));
        if (!(maxDiff <= DistillTrainer.OnnxTolerance))
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"exported student '{path}'{(output is null ? "" : $" output '{output}'")} disagrees with the TorchSharp student: max |diff| {maxDiff:G3} > {DistillTrainer.OnnxTolerance:G3} on {n} held-out states"));
        return maxDiff;
    }
}
