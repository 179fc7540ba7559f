using SobolevRL.Onnx.Proto;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SobolevRL.Onnx;

/// <summary>
/// Writes TorchSharp policy modules (a layer, or a Sequential of layers, nested allowed) as ONNX files with a
/// dynamic batch axis, using SobolevRL's own protobuf classes. Supported layers: see <see cref="SupportedLayers"/>.
/// </summary>
public static class OnnxExporter
{
    /// <summary>Layer types the exporter can write.</summary>
    public static string SupportedLayers => OnnxLayerWriter.SupportedLayers;

    /// <summary>
    /// Exports <paramref name="module"/> to <paramref name="path"/>. <paramref name="inputShape"/> is the shape of
    /// one sample (without the batch dimension); the model accepts any batch size.
    /// </summary>
    /// <exception cref="OnnxModelException">The module contains layers that cannot be exported (all are listed).</exception>
    public static void Export(nn.Module module, long[] inputShape, string path, OnnxExportOptions? options = null) =>
        OnnxModelFile.Write(ToModel(module, inputShape, options), path);

    /// <summary>Builds the ONNX model of <paramref name="module"/> without writing it.</summary>
    /// <exception cref="OnnxModelException">The module contains layers that cannot be exported (all are listed).</exception>
    public static ModelProto ToModel(nn.Module module, long[] inputShape, OnnxExportOptions? options = null) =>
        ToModel([(options?.OutputName ?? new OnnxExportOptions().OutputName, module)], inputShape, options, module.GetName());

    /// <summary>
    /// Exports several modules reading the same input as one graph with one named output each (e.g. the heads of a
    /// multi-game student): <paramref name="outputs"/> pairs an output name with a module (layer or Sequential).
    /// Layers the modules share (the same layer objects, applied to the same value, e.g. a shared torso) are written
    /// once; ONNX Runtime computes only the nodes an asked-for output needs.
    /// </summary>
    /// <exception cref="OnnxModelException">A module contains layers that cannot be exported, or two outputs share a name.</exception>
    public static void Export(IReadOnlyList<(string Output, nn.Module Module)> outputs, long[] inputShape, string path, OnnxExportOptions? options = null) =>
        OnnxModelFile.Write(ToModel(outputs, inputShape, options, "multi_output"), path);

    static ModelProto ToModel(IReadOnlyList<(string Output, nn.Module Module)> outputs, long[] inputShape, OnnxExportOptions? options, string graphName)
    {
        options ??= new OnnxExportOptions();
        if (options.Opset != 17)
        {
            throw new OnnxModelException($"The exporter writes opset 17 only (asked for {options.Opset}).");
        }
        if (outputs.Count == 0)
        {
            throw new OnnxModelException("Nothing to export: no outputs given.");
        }
        if (outputs.GroupBy(o => o.Output, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new OnnxModelException($"Output name '{twice.Key}' is given twice; each output needs its own name.");
        }
        var paths = outputs.Select(o =>
        {
            List<(string Name, nn.Module Layer)> layers = [];
            Flatten(o.Module, o.Module is Sequential ? "" : o.Module.GetName(), layers);
            return (o.Output, o.Module, Layers: layers);
        }).ToArray();
        string[] problems = paths.SelectMany(p => p.Layers)
            .DistinctBy(l => l.Layer)
            .Select(l => (l.Name, l.Layer, Reason: OnnxLayerWriter.Unsupported(l.Layer)))
            .Where(l => l.Reason is not null)
            .Select(l => $"'{l.Name}' ({l.Layer.GetType().Name}): {l.Reason}")
            .ToArray();
        if (problems.Length > 0)
        {
            string what = paths.Length == 1 ? paths[0].Module.GetType().Name : $"the {paths.Length} outputs";
            throw new OnnxModelException(
                $"Cannot export {what} to ONNX; unsupported layers:\n  {string.Join("\n  ", problems)}\n" +
                $"Supported: {OnnxLayerWriter.SupportedLayers}.");
        }

        var builder = new OnnxGraphBuilder();
        builder.Graph.Name = graphName;
        string input = builder.UniqueName(options.InputName);
        builder.Graph.Input.Add(OnnxGraphBuilder.FloatValue(input, options.BatchSymbol, inputShape));
        foreach (var (output, _, _) in paths)
        {
            if (builder.UniqueName(output) != output) throw new OnnxModelException($"Output name '{output}' is also the input's name; give it another.");
        }
        // The value each (layer, input value) pair wrote, so a layer shared by several outputs is written once.
        var written = new Dictionary<(nn.Module Layer, string Input), string>();
        using (no_grad())
        using (var scope = NewDisposeScope())
        {
            foreach (var (output, module, layers) in paths)
            {
                // A probe sample gives each layer's input rank and the output shape, and checks the module runs.
                Device device = module.parameters().FirstOrDefault()?.device ?? CPU;
                Tensor probe = zeros([1, .. inputShape], device: device);
                string value = input;
                foreach (var (name, layer) in layers)
                {
                    if (!written.TryGetValue((layer, value), out string? next))
                    {
                        next = OnnxLayerWriter.Write(builder, name, layer, value, probe.dim());
                        written[(layer, value)] = next;
                    }
                    value = next;
                    probe = ((nn.Module<Tensor, Tensor>)layer).call(probe);
                }
                builder.Graph.Node.Add(new NodeProto { OpType = "Identity", Name = builder.UniqueName(paths.Length == 1 ? "output" : $"output_{output}"), Input = { value }, Output = { output } });
                builder.Graph.Output.Add(OnnxGraphBuilder.FloatValue(output, options.BatchSymbol, probe.shape[1..]));
            }
        }

        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "SobolevRL",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "",
            DocString = options.Description,
            Graph = builder.Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = options.Opset });
        return model;
    }

    static void Flatten(nn.Module module, string name, List<(string, nn.Module)> layers)
    {
        if (module is Sequential sequential)
        {
            foreach (var (childName, child) in sequential.named_children())
            {
                Flatten(child, string.IsNullOrEmpty(name) ? childName : $"{name}.{childName}", layers);
            }
            return;
        }
        layers.Add((name, module));
    }
}
