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
        OnnxExporter.Export(student.Network, data.ObservationShape, path, new OnnxExportOptions
        {
            Description = $"SobolevRL student {spec} distilled on {data.EnvId}, sobolev={sobolev}, value loss {options.Loss.Value}",
        });
        new ModelCard
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
        }.Write(ModelCard.PathFor(path));

        int n = (int)Math.Min(heldOut.Size, 256);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = heldOut.Observations.narrow(0, 0, n).to(student.Device);
        float[] expected = student.Logits(x).cpu().data<float>().ToArray();
        float[] input = x.Times(student.InputScale).cpu().contiguous().data<float>().ToArray();
        using var ort = new OrtPolicy(path, n);
        var actual = ort.Run(input, n);
        double maxDiff = 0;
        for (int i = 0; i < expected.Length; i++) maxDiff = Math.Max(maxDiff, Math.Abs(expected[i] - actual[i]));
        if (!(maxDiff <= DistillTrainer.OnnxTolerance))
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"exported student '{path}' disagrees with the TorchSharp student: max |diff| {maxDiff:G3} > {DistillTrainer.OnnxTolerance:G3} on {n} held-out states"));
        return maxDiff;
    }
}
