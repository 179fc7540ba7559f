using SobolevRL.Hardware;
using SobolevRL.Onnx;
using SobolevRL.Onnx.Proto;
using static TorchSharp.torch;
using SobolevRL.Policies;

namespace SobolevRL.Teachers;

/// <summary>
/// A teacher policy from an ONNX file: <see cref="Logits(Tensor)"/> runs the graph rebuilt in TorchSharp (exact input-gradients),
/// applying the card's input scale and layout before it and turning the policy output into logits after it
/// (probabilities → log, log-probabilities and Q-values as they are; τ from the card). Acting goes through ONNX
/// Runtime with <see cref="CreateActor"/>. Make one with <see cref="TeacherLoader.Load"/>. A recurrent teacher (the
/// card's <c>recurrent</c>) takes its state in <see cref="Step"/>; <see cref="Logits(Tensor)"/> runs it from the zero
/// state of an episode's start.
/// </summary>
public sealed class OnnxTeacher : IRecurrentPolicy
{
    readonly OnnxGraph _graph;

    internal OnnxTeacher(string path, OnnxGraph graph, ModelCard card, TeacherSignature signature, string cardSource)
    {
        Path = path;
        _graph = graph;
        Card = card with
        {
            Actions = signature.Actions,
            OutputKind = signature.OutputKind,
            Input = card.Input with { Shape = signature.ObservationShape, Dtype = signature.Input.ElementType == "uint8" ? "uint8" : "float32" },
        };
        Signature = signature;
        CardSource = cardSource;
    }

    /// <summary>The ONNX file.</summary>
    public string Path { get; }

    /// <summary>The card in effect (file or defaults, with command-line overrides applied, shape and actions resolved).</summary>
    public ModelCard Card { get; }

    /// <summary>Where the card came from: the card file path, or <c>defaults</c> (no card file), plus <c>+ flags</c> when overridden.</summary>
    public string CardSource { get; }

    /// <summary>Input and output of the graph the card resolves to.</summary>
    public TeacherSignature Signature { get; }

    /// <summary>The rebuilt graph (op counts, parameter count, declared inputs and outputs).</summary>
    public OnnxGraph Graph => _graph;

    /// <inheritdoc />
    public int Actions => Signature.Actions;

    /// <inheritdoc />
    public long[] ObservationShape => Signature.ObservationShape;

    /// <inheritdoc />
    public double Temperature => Card.Temperature;

    /// <summary>What the policy output is (the card's output_kind, or inferred from the graph's final node).</summary>
    public PolicyOutputKind OutputKind => Signature.OutputKind;

    /// <inheritdoc />
    public Device Device => _graph.Device;

    /// <inheritdoc />
    public int StateSize => Signature.StateSize;

    /// <inheritdoc />
    public (Tensor Logits, Tensor NextState) Step(Tensor observations, Tensor state)
    {
        using var scope = NewDisposeScope();
        if (state.dim() != 2 || state.shape[0] != observations.shape[0] || state.shape[1] != StateSize)
            throw new ArgumentException($"state must be [{observations.shape[0]}, {StateSize}], got [{string.Join(", ", state.shape)}]", nameof(state));
        var (output, next) = Run(observations, state, null);
        return (ToLogits(output, OutputKind).MoveToOuterDisposeScope(), next!.detach().MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    public Tensor Logits(Tensor observations) => Logits(observations, null);

    /// <summary>
    /// Logits as <see cref="Logits(Tensor)"/>, calling <paramref name="observer"/> after each node of the rebuilt graph; a
    /// recurrent teacher from <paramref name="state"/> (B × <see cref="StateSize"/>; null: the zero state).
    /// </summary>
    public Tensor Logits(Tensor observations, Action<NodeProto, IReadOnlyDictionary<string, Tensor>>? observer, Tensor? state = null)
    {
        using var scope = NewDisposeScope();
        return ToLogits(PolicyOutput(observations, observer, state), OutputKind).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The policy output as the graph computes it (before turning it into logits), batch × actions; a graph exported
    /// with a fixed batch of 1 runs state by state (<paramref name="observer"/> is then called once per state).
    /// </summary>
    public Tensor PolicyOutput(Tensor observations, Action<NodeProto, IReadOnlyDictionary<string, Tensor>>? observer = null, Tensor? state = null)
    {
        using var scope = NewDisposeScope();
        Tensor? from = StateSize > 0 ? state ?? zeros([observations.shape[0], StateSize], ScalarType.Float32, Device) : null;
        return Run(observations, from, observer).Output.MoveToOuterDisposeScope();
    }

    // The policy output and (recurrent) the next state, B × StateSize; a fixed-batch graph runs one state at a time.
    (Tensor Output, Tensor? Next) Run(Tensor observations, Tensor? state, Action<NodeProto, IReadOnlyDictionary<string, Tensor>>? observer)
    {
        if (observations.dim() != ObservationShape.Length + 1 || !observations.shape.Skip(1).SequenceEqual(ObservationShape))
            throw new UserErrorException($"teacher '{Path}' takes observations [batch, {string.Join(", ", ObservationShape)}], got [{string.Join(", ", observations.shape)}]");
        if (!Signature.OneAtATime || observations.shape[0] == 1) return BatchOutput(observations, state, observer);
        using var scope = NewDisposeScope();
        var rows = Enumerable.Range(0, (int)observations.shape[0]).Select(i => BatchOutput(observations.narrow(0, i, 1), state?.narrow(0, i, 1), observer)).ToArray();
        Tensor output = cat(rows.Select(r => r.Output).ToArray(), 0).MoveToOuterDisposeScope();
        return (output, state is null ? null : cat(rows.Select(r => r.Next!).ToArray(), 0).MoveToOuterDisposeScope());
    }

    (Tensor Output, Tensor? Next) BatchOutput(Tensor observations, Tensor? state, Action<NodeProto, IReadOnlyDictionary<string, Tensor>>? observer)
    {
        using var scope = NewDisposeScope();
        Tensor x = Card.Input.Scale == 1.0 ? observations : observations.Times(Card.Input.Scale);
        if (Card.Input.Layout == InputLayout.Nhwc) x = x.permute(0, 2, 3, 1);
        else if (Signature.ModelInputShape.Length != ObservationShape.Length) x = x.reshape([x.shape[0], .. Signature.ModelInputShape]);
        // A uint8 input is rebuilt as a float one (OnnxUint8Inputs): observations go in as they are, so gradients exist.
        var inputs = new Dictionary<string, Tensor> { [Signature.Input.Name] = x };
        long batch = x.shape[0], offset = 0;
        foreach (RecurrentSlot slot in Signature.State)
        {
            // B × size → the graph's layout: the batch moved to its axis.
            Tensor part = state!.narrow(1, offset, slot.Size).to(Device).detach();
            long[] perSample = slot.Shape.Where((_, i) => i != slot.BatchAxis).ToArray();
            inputs[slot.Input.Name] = part.reshape([batch, .. perSample]).movedim([0L], [(long)slot.BatchAxis]).contiguous();
            offset += slot.Size;
        }
        IReadOnlyDictionary<string, Tensor> outputs = _graph.Forward(inputs, observer);
        Tensor output = outputs[Signature.Output.Name];
        if (output.dim() != 2 || output.shape[1] != Actions)
            throw new UserErrorException($"teacher '{Path}': policy output '{Signature.Output.Name}' came out [{string.Join(", ", output.shape)}], expected [batch, {Actions}]");
        Tensor? next = null;
        if (state is not null && Signature.State.Count > 0)
        {
            Tensor[] parts = Signature.State.Select(slot =>
            {
                Tensor t = outputs[slot.Output.Name];
                if (!t.shape.SequenceEqual(slot.ShapeFor(batch)))
                    throw new UserErrorException($"teacher '{Path}': recurrent state output '{slot.Output.Name}' came out [{string.Join(", ", t.shape)}], expected [{string.Join(", ", slot.ShapeFor(batch))}]");
                return t.detach().movedim([(long)slot.BatchAxis], [0L]).reshape(batch, slot.Size);
            }).ToArray();
            next = cat(parts, 1).MoveToOuterDisposeScope();
        }
        else if (state is not null) next = state.narrow(1, 0, 0).MoveToOuterDisposeScope();
        return (output.MoveToOuterDisposeScope(), next);
    }

    /// <summary>Turns a policy output of <paramref name="kind"/> into logits z with π = softmax(z/τ).</summary>
    public static Tensor ToLogits(Tensor output, PolicyOutputKind kind) => kind switch
    {
        PolicyOutputKind.Probabilities => output.AtLeast(float.Epsilon).log(),
        PolicyOutputKind.Logits or PolicyOutputKind.QValues or PolicyOutputKind.LogProbabilities => output.alias(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>In place version of <see cref="ToLogits(Tensor, PolicyOutputKind)"/> on rows of floats.</summary>
    public static void ToLogits(Span<float> output, PolicyOutputKind kind)
    {
        if (kind != PolicyOutputKind.Probabilities) return;
        for (int i = 0; i < output.Length; i++) output[i] = MathF.Log(MathF.Max(output[i], float.Epsilon));
    }

    /// <summary>An ONNX Runtime actor for batches of up to <paramref name="maxBatch"/> observations.</summary>
    public TeacherActor CreateActor(int maxBatch, Microsoft.ML.OnnxRuntime.SessionOptions? options = null) => new(this, maxBatch, options);

    /// <inheritdoc />
    public void Dispose() => _graph.Dispose();
}
