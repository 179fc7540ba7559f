using SobolevRL.Onnx.Proto;
using TorchSharp;
using SobolevRL.Policies;
using TorchSharp.Modules;
using static TorchSharp.torch;
using B = SobolevRL.Onnx.OnnxGraphBuilder;

namespace SobolevRL.Onnx;

/// <summary>Writes one TorchSharp layer as ONNX nodes; knows every layer type the exporter supports.</summary>
internal static class OnnxLayerWriter
{
    public const string SupportedLayers =
        "Conv2d (zeros padding), Linear, ReLU, Tanh, Sigmoid, ELU, LeakyReLU, Softplus (beta 1), Flatten (to the last axis), " +
        "MaxPool2d, AvgPool2d (no divisor_override), Softmax, LogSoftmax, ActionGather, Dropout and Identity (inference: omitted), nested Sequential";

    /// <summary>Why <paramref name="layer"/> cannot be written, or null when it can.</summary>
    public static string? Unsupported(nn.Module layer) => layer switch
    {
        Conv2d c when c.padding_mode != PaddingModes.Zeros => $"padding mode {c.padding_mode}",
        Conv2d c when c.padding_type == Padding.Same && c.stride.Any(s => s != 1) => "'same' padding with stride > 1",
        Conv2d or Linear or ReLU or Tanh or Sigmoid or ELU or LeakyReLU or MaxPool2d or Softmax or LogSoftmax or ActionGather or Dropout or Identity => null,
        Softplus s when s.beta != 1 => $"beta {s.beta}",
        Softplus => null,
        Flatten f when f.end_dim != -1 => "end_dim other than -1",
        Flatten => null,
        AvgPool2d a when a.divisor_override is not null => "divisor_override",
        AvgPool2d => null,
        _ => "layer type not supported",
    };

    /// <summary>Appends the nodes computing <paramref name="layer"/> on <paramref name="input"/> (of rank <paramref name="inputRank"/>); returns the output name.</summary>
    public static string Write(B b, string name, nn.Module layer, string input, long inputRank) => layer switch
    {
        Conv2d c => Conv(b, name, c, input),
        Linear l => LinearLayer(b, name, l, input, inputRank),
        ReLU => b.AddNode("Relu", name, [input]),
        Tanh => b.AddNode("Tanh", name, [input]),
        Sigmoid => b.AddNode("Sigmoid", name, [input]),
        ELU e => b.AddNode("Elu", name, [input], B.Float("alpha", e.alpha)),
        LeakyReLU r => b.AddNode("LeakyRelu", name, [input], B.Float("alpha", r.negative_slope)),
        Softplus => b.AddNode("Softplus", name, [input]),
        Flatten f => b.AddNode("Flatten", name, [input], B.Int("axis", f.start_dim < 0 ? f.start_dim + inputRank : f.start_dim)),
        MaxPool2d m => b.AddNode("MaxPool", name, [input],
            B.Ints("kernel_shape", m.kernel_size), B.Ints("strides", m.stride ?? m.kernel_size),
            B.Ints("pads", Symmetric(m.padding ?? [0, 0])), B.Ints("dilations", m.dilation ?? [1, 1]), B.Int("ceil_mode", m.ceil_mode ? 1 : 0)),
        AvgPool2d a => b.AddNode("AveragePool", name, [input],
            B.Ints("kernel_shape", a.kernel_size), B.Ints("strides", a.stride ?? a.kernel_size),
            B.Ints("pads", Symmetric(a.padding ?? [0, 0])), B.Int("ceil_mode", a.ceil_mode ? 1 : 0),
            B.Int("count_include_pad", a.count_include_pad ? 1 : 0)),
        Softmax s => b.AddNode("Softmax", name, [input], B.Int("axis", s.dim)),
        LogSoftmax s => b.AddNode("LogSoftmax", name, [input], B.Int("axis", s.dim)),
        ActionGather g => Gather(b, name, g, input, inputRank),
        Dropout or Identity => input,
        _ => throw new OnnxModelException($"Layer '{name}' ({layer.GetType().Name}) cannot be exported; supported: {SupportedLayers}."),
    };

    static string Gather(B b, string name, ActionGather g, string input, long inputRank)
    {
        using Tensor indices = tensor(g.Indices.Select(i => (long)i).ToArray(), ScalarType.Int64);
        return b.AddNode("Gather", name, [input, b.AddInitializer(name + ".indices", indices)], B.Int("axis", inputRank - 1));
    }

    static long[] Symmetric(long[] padding) => [.. padding, .. padding];

    static string Conv(B b, string name, Conv2d c, string input)
    {
        long[] pads;
        if (c.padding_type == Padding.Same)
        {
            // torch 'same' (stride 1): total (k-1)*d, the odd cell at the end.
            long[] total = c.kernel_size.Select((k, i) => (k - 1) * c.dilation[i]).ToArray();
            pads = [.. total.Select(t => t / 2), .. total.Select(t => t - t / 2)];
        }
        else
        {
            pads = Symmetric(c.padding ?? [0, 0]);
        }
        var inputs = new List<string> { input, b.AddInitializer(name + ".weight", c.weight!) };
        if (c.bias is not null)
        {
            inputs.Add(b.AddInitializer(name + ".bias", c.bias));
        }
        return b.AddNode("Conv", name, inputs,
            B.Ints("kernel_shape", c.kernel_size), B.Ints("strides", c.stride), B.Ints("pads", pads),
            B.Ints("dilations", c.dilation), B.Int("group", c.groups));
    }

    // Gemm for 2-D inputs; MatMul (+ Add) with the transposed weight for inputs of higher rank.
    static string LinearLayer(B b, string name, Linear l, string input, long inputRank)
    {
        if (inputRank == 2)
        {
            var inputs = new List<string> { input, b.AddInitializer(name + ".weight", l.weight!) };
            if (l.bias is not null)
            {
                inputs.Add(b.AddInitializer(name + ".bias", l.bias));
            }
            return b.AddNode("Gemm", name, inputs, B.Int("transB", 1));
        }
        using Tensor transposed = l.weight!.detach().t().contiguous();
        string product = b.AddNode("MatMul", name, [input, b.AddInitializer(name + ".weight_t", transposed)]);
        return l.bias is null ? product : b.AddNode("Add", name + "_bias", [product, b.AddInitializer(name + ".bias", l.bias)]);
    }
}
