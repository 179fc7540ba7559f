using System.Globalization;
using SobolevRL.Onnx;

namespace SobolevRL.Teachers;

/// <summary>
/// How a teacher's model card maps onto its ONNX graph: which input and output, the observation shape (CHW) and the
/// action count. Built by checking the card against the graph; every contradiction is a <see cref="UserErrorException"/>.
/// </summary>
/// <param name="Input">The observation input.</param>
/// <param name="Output">The policy output.</param>
/// <param name="ObservationShape">One observation in the environment's CHW layout.</param>
/// <param name="ModelInputShape">One sample as the network takes it (after layout change or flattening).</param>
/// <param name="Actions">Number of actions.</param>
/// <param name="OutputKind">What the policy output is: the card's output_kind, or inferred from the node computing it.</param>
/// <param name="OneAtATime">The graph was exported with a fixed batch of 1 (no dynamic batch axis): it runs one state at a time.</param>
public sealed record TeacherSignature(OnnxValueInfo Input, OnnxValueInfo Output, long[] ObservationShape, long[] ModelInputShape, int Actions,
    PolicyOutputKind OutputKind, bool OneAtATime)
{
    /// <summary>
    /// Resolves <paramref name="card"/> against the declared inputs and outputs of a graph; <paramref name="producerOf"/>
    /// gives the operator computing a value (for the output kind a card leaves out).
    /// </summary>
    public static TeacherSignature Resolve(IReadOnlyList<OnnxValueInfo> inputs, IReadOnlyList<OnnxValueInfo> outputs, ModelCard card, string source,
        Func<string, string?> producerOf)
    {
        if (!(card.Temperature > 0) || double.IsInfinity(card.Temperature))
            throw new UserErrorException($"teacher '{source}': temperature {Num(card.Temperature)} must be a finite number > 0 (card field temperature or `temperature`)");
        if (!(card.Input.Scale > 0) || double.IsInfinity(card.Input.Scale))
            throw new UserErrorException($"teacher '{source}': input scale {Num(card.Input.Scale)} must be a finite number > 0 (card field input.scale or `input_scale`)");
        OnnxValueInfo input = FindInput(inputs, card, source);
        OnnxValueInfo output = FindOutput(outputs, card, source);
        string? dtype = card.Input.Dtype switch
        {
            null => null,
            "float32" or "float" => "float",
            "uint8" => "uint8",
            _ => throw new UserErrorException($"teacher '{source}': input dtype '{card.Input.Dtype}' in the card is not one of float32, uint8 (or leave input.dtype out: the graph's)"),
        };
        if (dtype is not null && input.ElementType != dtype)
            throw new UserErrorException($"teacher '{source}': the card says input dtype {card.Input.Dtype} but input '{input.Name}' is {input.ElementType}; fix input.dtype in the card");
        if (input.ElementType is not ("float" or "uint8"))
            throw new UserErrorException($"teacher '{source}': input '{input.Name}' is {input.ElementType}; a teacher takes float32 or uint8 observations");
        long? fixedBatch = input.Shape is { Count: > 0 } dims ? dims[0].Size : null;
        if (fixedBatch > 1)
            throw new UserErrorException(
                $"teacher '{source}': input {input} has a fixed batch of {fixedBatch}; re-export it with a dynamic batch axis " +
                $"(torch.onnx.export(..., dynamic_axes={{'{input.Name}': {{0: 'batch'}}}})) or with batch 1");
        var (observation, model) = Shapes(input, card, source);
        int actions = ResolveActions(output, card, source);
        PolicyOutputKind kind = card.OutputKind ?? InferKind(producerOf(output.Name));
        return new TeacherSignature(input, output, observation, model, actions, kind, fixedBatch == 1);
    }

    /// <summary>
    /// The output kind a final node implies when the card states none: Softmax gives probabilities, LogSoftmax
    /// log-probabilities, anything else logits.
    /// </summary>
    public static PolicyOutputKind InferKind(string? finalOp) => finalOp switch
    {
        "Softmax" => PolicyOutputKind.Probabilities,
        "LogSoftmax" => PolicyOutputKind.LogProbabilities,
        _ => PolicyOutputKind.Logits,
    };

    static OnnxValueInfo FindInput(IReadOnlyList<OnnxValueInfo> inputs, ModelCard card, string source)
    {
        if (card.Input.Name is { } name)
            return inputs.FirstOrDefault(i => i.Name == name)
                ?? throw new UserErrorException($"teacher '{source}': the card names input '{name}', but the graph's inputs are {List(inputs)}");
        return inputs.Count == 1 ? inputs[0]
            : throw new UserErrorException($"teacher '{source}' has {inputs.Count} inputs ({List(inputs)}); a policy takes one observation input");
    }

    static OnnxValueInfo FindOutput(IReadOnlyList<OnnxValueInfo> outputs, ModelCard card, string source)
    {
        if (card.PolicyOutput is { } name)
            return outputs.FirstOrDefault(o => o.Name == name)
                ?? throw new UserErrorException($"teacher '{source}': policy output '{name}' not found; the graph's outputs are {List(outputs)} (card field policy_output or `policy_output`)");
        int index = card.PolicyOutputIndex;
        return index >= 0 && index < outputs.Count ? outputs[index]
            : throw new UserErrorException($"teacher '{source}': policy output index {index} is out of range; the graph has {outputs.Count} outputs: {List(outputs)}");
    }

    static (long[] Observation, long[] Model) Shapes(OnnxValueInfo input, ModelCard card, string source)
    {
        long[] declared = card.Input.Shape;
        IReadOnlyList<OnnxDim>? dims = input.Shape;
        long?[]? perSample = dims is null || dims.Count < 2 ? null : dims.Skip(1).Select(d => d.Size).ToArray();
        bool known = perSample is not null && perSample.All(d => d is > 0);
        long[]? model = known ? perSample!.Select(d => d!.Value).ToArray() : null;
        bool nhwc = card.Input.Layout == InputLayout.Nhwc;
        if (declared.Length == 0)
        {
            if (model is null)
                throw new UserErrorException($"teacher '{source}': input {input} has no fixed per-sample shape; state input.shape (CHW) in the card");
            if (nhwc && model.Length != 3)
                throw new UserErrorException($"teacher '{source}': layout nhwc needs a [batch, H, W, C] input, got {input}");
            return (nhwc ? [model[2], model[0], model[1]] : model, model);
        }
        if (declared.Any(d => d <= 0))
            throw new UserErrorException($"teacher '{source}': input.shape [{string.Join(", ", declared)}] in the card must be positive sizes (CHW)");
        long[] expected = nhwc
            ? declared.Length == 3 ? [declared[1], declared[2], declared[0]] : throw new UserErrorException($"teacher '{source}': layout nhwc needs a 3-D input.shape (CHW), got [{string.Join(", ", declared)}]")
            : declared;
        if (model is null) return (declared, expected);
        if (model.SequenceEqual(expected)) return (declared, model);
        long count = declared.Aggregate(1L, (a, d) => a * d);
        if (!nhwc && model.Length == 1 && model[0] == count) return (declared, model); // a flat (MLP) input takes the flattened CHW observation
        string hint = model.Length == 3 && !nhwc && model[2] == declared[0] ? "; the model looks NHWC: set input.layout nhwc (or `input_layout` nhwc)" : "";
        throw new UserErrorException(
            $"teacher '{source}': the card's input.shape [{string.Join(", ", declared)}] ({card.Input.Layout.ToString().ToLowerInvariant()}) does not match input {input}{hint}");
    }

    static int ResolveActions(OnnxValueInfo output, ModelCard card, string source)
    {
        IReadOnlyList<OnnxDim>? dims = output.Shape;
        if (dims is not null && dims.Count != 2)
            throw new UserErrorException($"teacher '{source}': policy output {output} must be [batch, actions]");
        long? width = dims?[1].Size;
        if (card.Actions < 0)
            throw new UserErrorException($"teacher '{source}': actions {card.Actions} in the card must be >= 1");
        if (card.Actions > 0 && width is long w && w != card.Actions)
            throw new UserErrorException($"teacher '{source}': the card says {card.Actions} actions but policy output {output} has width {w}; fix actions or policy_output in the card");
        if (card.Actions > 0) return card.Actions;
        return width is long n and > 0 ? (int)n
            : throw new UserErrorException($"teacher '{source}': policy output {output} has no fixed width; state actions in the card");
    }

    static string List(IReadOnlyList<OnnxValueInfo> values) => values.Count == 0 ? "(none)" : string.Join(", ", values.Select(v => v.ToString()));

    static string Num(double x) => x.ToString(CultureInfo.InvariantCulture);
}
