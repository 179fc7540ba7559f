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
    public static ModelProto ToModel(nn.Module module, long[] inputShape, OnnxExportOptions? options = null)
    {
        options ??= new OnnxExportOptions();
        if (options.Opset != 17)
        {
            throw new OnnxModelException($"The exporter writes opset 17 only (asked for {options.Opset}).");
        }
        List<(string Name, nn.Module Layer)> layers = [];
        Flatten(module, module is Sequential ? "" : module.GetName(), layers);
        string[] problems = layers
            .Select(l => (l.Name, l.Layer, Reason: OnnxLayerWriter.Unsupported(l.Layer)))
            .Where(l => l.Reason is not null)
            .Select(l => $"'{l.Name}' ({l.Layer.GetType().Name}): {l.Reason}")
            .ToArray();
        if (problems.Length > 0)
        {
            throw new OnnxModelException(
                $"Cannot export {module.GetType().Name} to ONNX; unsupported layers:\n  {string.Join("\n  ", problems)}\n" +
                $"Supported: {OnnxLayerWriter.SupportedLayers}.");
        }

        var builder = new OnnxGraphBuilder();
        builder.Graph.Name = module.GetName();
        string value = builder.UniqueName(options.InputName);
        builder.Graph.Input.Add(OnnxGraphBuilder.FloatValue(value, options.BatchSymbol, inputShape));
        long[] outputShape;
        using (no_grad())
        using (var scope = NewDisposeScope())
        {
            // A probe sample gives each layer's input rank and the output shape, and checks the module runs.
            Device device = module.parameters().FirstOrDefault()?.device ?? CPU;
            Tensor probe = zeros([1, .. inputShape], device: device);
            foreach (var (name, layer) in layers)
            {
                value = OnnxLayerWriter.Write(builder, name, layer, value, probe.dim());
                probe = ((nn.Module<Tensor, Tensor>)layer).call(probe);
            }
            outputShape = probe.shape[1..];
        }
        string output = options.OutputName;
        builder.Graph.Node.Add(new NodeProto { OpType = "Identity", Name = "output", Input = { value }, Output = { output } });
        builder.Graph.Output.Add(OnnxGraphBuilder.FloatValue(output, options.BatchSymbol, outputShape));

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
