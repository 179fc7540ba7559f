using SobolevRL.Onnx;
using SobolevRL.Teachers;

namespace SobolevRL.Cli.Commands.Teacher;

/// <summary><c>sobolevrl teacher inspect FILE</c>: inputs, outputs, operators, parameters and the model card in effect.</summary>
public sealed class TeacherInspectCommand : Command<TeacherSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, TeacherSettings settings, CancellationToken cancellationToken)
    {
        using OnnxTeacher teacher = settings.LoadTeacher();
        OnnxGraph graph = teacher.Graph;
        ModelCard card = teacher.Card;
        var report = new
        {
            file = teacher.Path,
            opset = graph.Opset,
            inputs = graph.Inputs.Select(Describe).ToArray(),
            outputs = graph.Outputs.Select(Describe).ToArray(),
            ops = graph.Ops,
            nodes = graph.Ops.Values.Sum(),
            parameters = graph.ParameterCount,
            card = new
            {
                source = teacher.CardSource,
                env = card.Env,
                architecture = card.Architecture,
                policy_output = teacher.Signature.Output.Name,
                output_kind = ModelCard.Spelling(teacher.OutputKind),
                temperature = card.Temperature,
                actions = teacher.Actions,
                observation_shape = teacher.ObservationShape,
                input = teacher.Signature.Input.Name,
                input_dtype = card.Input.Dtype,
                input_layout = ModelCard.Spelling(card.Input.Layout),
                input_scale = card.Input.Scale,
            },
        };
        if (settings.Json)
        {
            Output.Json(report);
            return 0;
        }
        Output.Table($"teacher {teacher.Path} (opset {graph.Opset}, {graph.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} parameters)",
            ["value", "name", "type", "shape"],
            report.inputs.Select(i => new[] { "input", i.Name, i.Dtype, "[" + string.Join(", ", i.Shape) + "]" })
                .Concat(report.outputs.Select(o => new[] { "output", o.Name, o.Dtype, "[" + string.Join(", ", o.Shape) + "]" })));
        Output.Table("operators", ["op", "count"], graph.Ops.Select(o => new[] { o.Key, o.Value.ToString(CultureInfo.InvariantCulture) }));
        Output.Table("model card", ["field", "value"], report.card.GetType().GetProperties().Select(p => new[]
        {
            p.Name,
            p.GetValue(report.card) switch { long[] a => "[" + string.Join(", ", a) + "]", double d => d.ToString("R", CultureInfo.InvariantCulture), var v => v?.ToString() ?? "" },
        }));
        return 0;
    }

    static ValueSummary Describe(OnnxValueInfo v) =>
        new(v.Name, v.ElementType, v.Shape?.Select(d => d.ToString()).ToArray() ?? ["?"]);

    /// <summary>A graph input or output: dims are sizes or symbols (e.g. <c>batch</c>).</summary>
    sealed record ValueSummary(string Name, string Dtype, string[] Shape);
}
