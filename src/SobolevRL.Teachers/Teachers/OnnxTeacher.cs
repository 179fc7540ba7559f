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
/// Runtime with <see cref="CreateActor"/>. Make one with <see cref="TeacherLoader.Load"/>.
/// </summary>
public sealed class OnnxTeacher : IPolicy
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
    public Tensor Logits(Tensor observations) => Logits(observations, null);

    /// <summary>Logits as <see cref="Logits(Tensor)"/>, calling <paramref name="observer"/> after each node of the rebuilt graph.</summary>
    public Tensor Logits(Tensor observations, Action<NodeProto, IReadOnlyDictionary<string, Tensor>>? observer)
    {
        using var scope = NewDisposeScope();
        return ToLogits(PolicyOutput(observations, observer), OutputKind).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The policy output as the graph computes it (before turning it into logits), batch × actions; a graph exported
    /// with a fixed batch of 1 runs state by state (<paramref name="observer"/> is then called once per state).
    /// </summary>
    public Tensor PolicyOutput(Tensor observations, Action<NodeProto, IReadOnlyDictionary<string, Tensor>>? observer = null)
    {
        if (observations.dim() != ObservationShape.Length + 1 || !observations.shape.Skip(1).SequenceEqual(ObservationShape))
            throw new UserErrorException($"teacher '{Path}' takes observations [batch, {string.Join(", ", ObservationShape)}], got [{string.Join(", ", observations.shape)}]");
        if (!Signature.OneAtATime || observations.shape[0] == 1) return BatchOutput(observations, observer);
        using var scope = NewDisposeScope();
        Tensor[] rows = Enumerable.Range(0, (int)observations.shape[0]).Select(i => BatchOutput(observations.narrow(0, i, 1), observer)).ToArray();
        return cat(rows, 0).MoveToOuterDisposeScope();
    }

    Tensor BatchOutput(Tensor observations, Action<NodeProto, IReadOnlyDictionary<string, Tensor>>? observer)
    {
        using var scope = NewDisposeScope();
        Tensor x = Card.Input.Scale == 1.0 ? observations : observations.Times(Card.Input.Scale);
        if (Card.Input.Layout == InputLayout.Nhwc) x = x.permute(0, 2, 3, 1);
        else if (Signature.ModelInputShape.Length != ObservationShape.Length) x = x.reshape([x.shape[0], .. Signature.ModelInputShape]);
        // A uint8 input is rebuilt as a float one (OnnxUint8Inputs): observations go in as they are, so gradients exist.
        IReadOnlyDictionary<string, Tensor> outputs = _graph.Forward(new Dictionary<string, Tensor> { [Signature.Input.Name] = x }, observer);
        foreach (var (name, t) in outputs)
            if (name != Signature.Output.Name) t.Dispose();
        Tensor output = outputs[Signature.Output.Name];
        if (output.dim() != 2 || output.shape[1] != Actions)
            throw new UserErrorException($"teacher '{Path}': policy output '{Signature.Output.Name}' came out [{string.Join(", ", output.shape)}], expected [batch, {Actions}]");
        return output.MoveToOuterDisposeScope();
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
