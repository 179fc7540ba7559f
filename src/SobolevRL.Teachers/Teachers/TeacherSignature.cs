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
    /// <summary>The recurrent state tensors in the card's order (empty for a feed-forward policy).</summary>
    public IReadOnlyList<RecurrentSlot> State { get; init; } = [];

    /// <summary>Floats of recurrent state per sample: every state tensor flattened, concatenated in <see cref="State"/>'s order.</summary>
    public int StateSize => (int)State.Sum(s => s.Size);

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
        IReadOnlyList<RecurrentStateCard> pairs = card.Recurrent?.State ?? [];
        var stateInputs = pairs.Select(p => p.Input).ToHashSet(StringComparer.Ordinal);
        OnnxValueInfo input = FindInput(inputs.Where(i => !stateInputs.Contains(i.Name)).ToArray(), card, source);
        OnnxValueInfo output = FindOutput(outputs, card, source);
        string? dtype = card.Input.Dtype switch
        {
            null => null,
            "float32" or "float" => "float",
            "uint8" => "uint8",
            _ => throw new UserErrorException($"teacher '{source}': input dtype '{card.Input.Dtype}' in the card is not one of float32, uint8 (or leave input.dtype out: the graph's)"),
        };
        // A float16 input takes float observations: the graph is labelled in float32 (OnnxFloat16).
        string declared = input.ElementType == "float16" ? "float" : input.ElementType;
        if (dtype is not null && declared != dtype)
            throw new UserErrorException($"teacher '{source}': the card says input dtype {card.Input.Dtype} but input '{input.Name}' is {input.ElementType}; fix input.dtype in the card");
        if (declared is not ("float" or "uint8"))
            throw new UserErrorException($"teacher '{source}': input '{input.Name}' is {input.ElementType}; a teacher takes float32 or uint8 observations");
        long? fixedBatch = input.Shape is { Count: > 0 } dims ? dims[0].Size : null;
        if (fixedBatch > 1)
            throw new UserErrorException(
                $"teacher '{source}': input {input} has a fixed batch of {fixedBatch}; re-export it with a dynamic batch axis " +
                $"(torch.onnx.export(..., dynamic_axes={{'{input.Name}': {{0: 'batch'}}}})) or with batch 1");
        var (observation, model) = Shapes(input, card, source);
        int actions = ResolveActions(output, card, source);
        PolicyOutputKind kind = card.OutputKind ?? InferKind(producerOf(output.Name));
        IReadOnlyList<RecurrentSlot> state = pairs.Select(p => RecurrentSlot.Resolve(p, inputs, outputs, input, output, source)).ToArray();
        if (card.Recurrent is not null && state.Count == 0)
            throw new UserErrorException($"teacher '{source}': the card's recurrent.state is empty; list the state inputs and outputs, e.g. [{{\"input\": \"h\", \"output\": \"h_out\"}}], or leave recurrent out");
        var unfed = inputs.Where(i => i.Name != input.Name && !stateInputs.Contains(i.Name)).ToArray();
        if (unfed.Length > 0)
            throw new UserErrorException($"teacher '{source}': graph inputs {List(unfed)} are neither the observation '{input.Name}' nor recurrent state in the card; a recurrent teacher lists them in recurrent.state");
        return new TeacherSignature(input, output, observation, model, actions, kind, fixedBatch == 1) { State = state };
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
            : throw new UserErrorException($"teacher '{source}' has {inputs.Count} inputs ({List(inputs)}); a policy takes one observation input (name it in input.name; a recurrent teacher lists its state inputs in recurrent.state)");
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

/// <summary>One recurrent state tensor of a teacher, resolved against its graph.</summary>
/// <param name="Input">The graph input taking the state before the step.</param>
/// <param name="Output">The graph output giving the state after the step.</param>
/// <param name="BatchAxis">Axis of the batch in the state tensor.</param>
/// <param name="Shape">The state tensor of one sample (1 at <paramref name="BatchAxis"/>).</param>
public sealed record RecurrentSlot(OnnxValueInfo Input, OnnxValueInfo Output, int BatchAxis, long[] Shape)
{
    /// <summary>Floats of this state per sample.</summary>
    public long Size => Shape.Aggregate(1L, (a, d) => a * d);

    /// <summary>The state tensor's shape for <paramref name="batch"/> samples.</summary>
    public long[] ShapeFor(long batch) => Shape.Select((d, i) => i == BatchAxis ? batch : d).ToArray();

    internal static RecurrentSlot Resolve(RecurrentStateCard pair, IReadOnlyList<OnnxValueInfo> inputs, IReadOnlyList<OnnxValueInfo> outputs,
        OnnxValueInfo observation, OnnxValueInfo policy, string source)
    {
        string Names(IReadOnlyList<OnnxValueInfo> values) => string.Join(", ", values.Select(v => v.Name));
        OnnxValueInfo input = inputs.FirstOrDefault(i => i.Name == pair.Input)
            ?? throw new UserErrorException($"teacher '{source}': recurrent.state input '{pair.Input}' is not a graph input; the inputs are {Names(inputs)}");
        OnnxValueInfo output = outputs.FirstOrDefault(o => o.Name == pair.Output)
            ?? throw new UserErrorException($"teacher '{source}': recurrent.state output '{pair.Output}' is not a graph output; the outputs are {Names(outputs)}");
        if (input.Name == observation.Name || output.Name == policy.Name)
            throw new UserErrorException($"teacher '{source}': recurrent.state pair {pair.Input} → {pair.Output} names the observation input or the policy output");
        if (input.ElementType != "float" || output.ElementType != "float")
            throw new UserErrorException($"teacher '{source}': recurrent state {input} → {output} must be float32");
        IReadOnlyList<OnnxDim> dims = input.Shape is { Count: > 0 } d ? d
            : throw new UserErrorException($"teacher '{source}': recurrent state input {input} has no declared shape; re-export it with its shape");
        int axis = pair.BatchAxis ?? InferBatchAxis(dims, observation);
        if (pair.BatchAxis is null && axis < 0)
            throw new UserErrorException($"teacher '{source}': cannot tell which axis of recurrent state {input} is the batch; set batch_axis of that recurrent.state entry in the card (1 for nn.LSTM's [layers, batch, hidden])");
        if (axis < 0 || axis >= dims.Count)
            throw new UserErrorException($"teacher '{source}': recurrent state {input}: batch_axis {axis} is out of range");
        long[] shape = dims.Select((x, i) => i == axis ? 1 : x.Size ?? -1).ToArray();
        if (shape.Any(x => x <= 0) || (dims[axis].Size is long b && b != 1))
            throw new UserErrorException($"teacher '{source}': recurrent state {input} must have fixed sizes except its batch axis {axis} (set recurrent.state batch_axis in the card if another axis is the batch)");
        if (output.Shape is { } od && (od.Count != dims.Count || od.Where((x, i) => i != axis && x.Size is long s && s != shape[i]).Any()))
            throw new UserErrorException($"teacher '{source}': recurrent state output {output} does not have the shape of its input {input}");
        return new RecurrentSlot(input, output, axis, shape);
    }

    // The dimension named like the observation's batch, else the only symbolic one, else (a graph exported at batch 1)
    // the first of size 1.
    static int InferBatchAxis(IReadOnlyList<OnnxDim> dims, OnnxValueInfo observation)
    {
        string? batchSymbol = observation.Shape is { Count: > 0 } o ? o[0].Symbol : null;
        for (int i = 0; i < dims.Count; i++)
            if (batchSymbol is not null && dims[i].Symbol == batchSymbol) return i;
        var symbolic = Enumerable.Range(0, dims.Count).Where(i => dims[i].Size is null).ToArray();
        if (symbolic.Length == 1) return symbolic[0];
        if (symbolic.Length > 1) return -1;
        for (int i = 0; i < dims.Count; i++)
            if (dims[i].Size == 1) return i;
        return -1;
    }
}
