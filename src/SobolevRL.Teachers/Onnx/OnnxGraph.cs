using SobolevRL.Onnx.Proto;
using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Onnx;

/// <summary>
/// An ONNX model rebuilt as TorchSharp operations: outputs are differentiable with respect to the inputs,
/// so exact input-gradients come from autograd. Initializers live on <see cref="Device"/>; shapes are
/// computed on every run, so symbolic (e.g. batch) dimensions work.
/// </summary>
public sealed class OnnxGraph : IDisposable
{
    readonly List<OnnxNodePlan> _plans;
    readonly Dictionary<string, Tensor> _constants;
    readonly string _sourceName;

    OnnxGraph(ModelProto model, Device device, string sourceName)
    {
        _sourceName = sourceName;
        Device = device;
        GraphProto graph = model.Graph;
        Opset = OnnxSupportCheck.DefaultOpset(model, sourceName);
        Ops = graph.Node.GroupBy(n => n.OpType).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count());
        OnnxSupportCheck.RequireTensorValues(graph, sourceName);
        List<OnnxNodePlan> plans = OnnxSupportCheck.PlanAll(graph, Opset, sourceName);
        _constants = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (TensorProto initializer in graph.Initializer)
            {
                Tensor t = TensorProtoConversion.ToTensor(initializer, device);
                _constants[initializer.Name] = t;
                ParameterCount += t.is_floating_point() ? t.numel() : 0;
            }
            Inputs = OnnxValueInfo.InputsOf(graph);
            Outputs = graph.Output.Select(OnnxValueInfo.From).ToArray();
            _plans = FoldConstants(plans);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Loads and rebuilds the ONNX model at <paramref name="path"/> with its initializers on <paramref name="device"/>.</summary>
    /// <exception cref="OnnxModelException">The file is unreadable, or uses unsupported operators (all are listed).</exception>
    public static OnnxGraph Load(string path, Device device) => new(OnnxModelFile.Read(path), device, path);

    /// <summary>Rebuilds an already parsed model; <paramref name="sourceName"/> names it in errors.</summary>
    public static OnnxGraph FromModel(ModelProto model, Device device, string sourceName = "model") =>
        new(model, device, sourceName);

    /// <summary>Device holding the initializers and receiving the inputs.</summary>
    public Device Device { get; }

    /// <summary>Version of the default ONNX operator set the model imports.</summary>
    public int Opset { get; }

    /// <summary>Inputs the caller must provide (graph inputs that are not initializers).</summary>
    public IReadOnlyList<OnnxValueInfo> Inputs { get; } = [];

    /// <summary>Outputs in declaration order.</summary>
    public IReadOnlyList<OnnxValueInfo> Outputs { get; } = [];

    /// <summary>The operator type of the node computing <paramref name="valueName"/> (e.g. <c>Softmax</c>); null for an input or constant.</summary>
    public string? ProducerOf(string valueName) => _plans.LastOrDefault(p => p.Node.Output.Contains(valueName))?.Node.OpType;

    /// <summary>Number of nodes of each operator type, as in the file.</summary>
    public IReadOnlyDictionary<string, int> Ops { get; }

    /// <summary>Number of floating-point values in the initializers (weights, biases, statistics).</summary>
    public long ParameterCount { get; }

    // Nodes whose inputs are all constants (Constant nodes, weight transposes, shape constants) run once here.
    List<OnnxNodePlan> FoldConstants(List<OnnxNodePlan> plans)
    {
        var remaining = new List<OnnxNodePlan>();
        foreach (OnnxNodePlan plan in plans)
        {
            bool constant = plan.Node.Input.All(n => n.Length == 0 || _constants.ContainsKey(n));
            if (!constant)
            {
                remaining.Add(plan);
                continue;
            }
            Tensor[] outputs = Run(plan, _constants);
            for (int i = 0; i < outputs.Length; i++)
            {
                if (i < plan.Node.Output.Count && plan.Node.Output[i].Length > 0)
                {
                    _constants[plan.Node.Output[i]] = outputs[i];
                }
                else
                {
                    outputs[i].Dispose();
                }
            }
        }
        return remaining;
    }

    Tensor[] Run(OnnxNodePlan plan, IReadOnlyDictionary<string, Tensor> values)
    {
        var inputs = new Tensor?[plan.Node.Input.Count];
        for (int i = 0; i < inputs.Length; i++)
        {
            string name = plan.Node.Input[i];
            if (name.Length == 0)
            {
                continue;
            }
            inputs[i] = values.TryGetValue(name, out Tensor? t)
                ? t
                : throw new OnnxModelException(
                    $"ONNX model '{_sourceName}': {OnnxOpContextText.Describe(plan.Node)} reads '{name}', which no earlier node, input or initializer defines (the graph is not topologically sorted or is incomplete).");
        }
        var context = new OnnxOpContext(plan.Node, plan.Attributes, Opset, inputs, Device);
        Tensor[] outputs;
        try
        {
            outputs = plan.Definition.Run(context);
        }
        catch (Exception e) when (e is not OnnxModelException)
        {
            throw new OnnxModelException(
                $"ONNX model '{_sourceName}': {OnnxOpContextText.Describe(plan.Node)} failed on inputs " +
                $"{string.Join(", ", inputs.Select(t => t is null ? "(none)" : "[" + string.Join(",", t.shape) + "] " + t.dtype))}: {e.Message.Split('\n')[0]}", e);
        }
        int required = plan.Node.Output.Count(o => o.Length > 0);
        if (outputs.Length < plan.Node.Output.Count && required > outputs.Length)
        {
            throw new OnnxModelException($"{OnnxOpContextText.Describe(plan.Node)}: only {outputs.Length} of its {plan.Node.Output.Count} outputs are supported.");
        }
        return outputs;
    }

    /// <summary>
    /// Runs the graph. <paramref name="inputs"/> maps every name in <see cref="Inputs"/> to a tensor (moved to
    /// <see cref="Device"/> if needed); gradients flow from the returned outputs back to these tensors.
    /// </summary>
    /// <param name="inputs">Every name in <see cref="Inputs"/> mapped to its tensor.</param>
    /// <param name="observer">Called after each node runs with the node and every value computed so far (tensors owned
    /// by the graph run: read them, do not keep or dispose them); null for none.</param>
    /// <returns>Every graph output by name; the caller owns (disposes) them.</returns>
    /// <exception cref="OnnxModelException">An input is missing or its shape or type contradicts the model.</exception>
    public IReadOnlyDictionary<string, Tensor> Forward(IReadOnlyDictionary<string, Tensor> inputs, Action<NodeProto, IReadOnlyDictionary<string, Tensor>>? observer = null)
    {
        using var scope = NewDisposeScope();
        var values = new Dictionary<string, Tensor>(_constants, StringComparer.Ordinal);
        var callerOwned = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (OnnxValueInfo info in Inputs)
        {
            if (!inputs.TryGetValue(info.Name, out Tensor? given))
            {
                throw new OnnxModelException(
                    $"ONNX model '{_sourceName}' needs input '{info.Name}' ({info}); given: {string.Join(", ", inputs.Keys)}.");
            }
            OnnxInputValidation.Check(info, given, _sourceName);
            Tensor onDevice = given.device == Device ? given : given.to(Device);
            callerOwned.Add(onDevice);
            values[info.Name] = onDevice;
        }
        foreach (OnnxNodePlan plan in _plans)
        {
            Tensor[] outputs = Run(plan, values);
            for (int i = 0; i < outputs.Length && i < plan.Node.Output.Count; i++)
            {
                if (plan.Node.Output[i].Length > 0)
                {
                    values[plan.Node.Output[i]] = outputs[i];
                }
            }
            observer?.Invoke(plan.Node, values);
        }
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var returned = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (OnnxValueInfo output in Outputs)
        {
            Tensor t = values[output.Name];
            bool shared = callerOwned.Contains(t) || _constants.ContainsKey(output.Name) || !returned.Add(t);
            result[output.Name] = (shared ? t.alias() : t).MoveToOuterDisposeScope();
        }
        return result;
    }

    /// <summary>Runs a single-input graph on <paramref name="input"/>; see <see cref="Forward(IReadOnlyDictionary{string, Tensor}, Action{NodeProto, IReadOnlyDictionary{string, Tensor}})"/>.</summary>
    public IReadOnlyDictionary<string, Tensor> Forward(Tensor input)
    {
        if (Inputs.Count != 1)
        {
            throw new OnnxModelException(
                $"ONNX model '{_sourceName}' has {Inputs.Count} inputs ({string.Join(", ", Inputs)}); pass them by name.");
        }
        return Forward(new Dictionary<string, Tensor> { [Inputs[0].Name] = input });
    }

    /// <summary>Releases the initializer tensors.</summary>
    public void Dispose()
    {
        foreach (Tensor t in _constants.Values)
        {
            t.Dispose();
        }
        _constants.Clear();
    }
}
