using SobolevRL.Hardware;
using SobolevRL.Onnx.Proto;
using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Onnx.Ops;

/// <summary>
/// The recurrent layers LSTM, GRU and RNN (what <c>nn.LSTM</c>, <c>nn.GRU</c> and <c>nn.RNN</c> export), unrolled over the
/// sequence as differentiable TorchSharp operations: forward, reverse and bidirectional, peepholes, clip, layout 0 and
/// 1, the activations Sigmoid, Tanh and Relu. Not supported (refused when the model loads, or when a run meets them):
/// input_forget, other activations, and sequence_lens shorter than the sequence.
/// </summary>
internal static class RecurrentOps
{
    public static IEnumerable<OnnxOpDefinition> All() =>
    [
        new("LSTM", c => Run(c, Kind.Lstm), (n, a, o) => CheckVariant(n, a, Kind.Lstm)),
        new("GRU", c => Run(c, Kind.Gru), (n, a, o) => CheckVariant(n, a, Kind.Gru)),
        new("RNN", c => Run(c, Kind.Rnn), (n, a, o) => CheckVariant(n, a, Kind.Rnn)),
    ];

    enum Kind { Lstm, Gru, Rnn }

    static readonly string[] Supported = ["Sigmoid", "Tanh", "Relu"];

    static string[] DefaultActivations(Kind kind) => kind switch
    {
        Kind.Lstm => ["Sigmoid", "Tanh", "Tanh"],
        Kind.Gru => ["Sigmoid", "Tanh"],
        _ => ["Tanh"],
    };

    static int Directions(OnnxNodeAttributes a) => a.String("direction", "forward") == "bidirectional" ? 2 : 1;

    static string? CheckVariant(NodeProto node, OnnxNodeAttributes a, Kind kind)
    {
        if (a.Int("input_forget", 0) != 0) return "input_forget = 1 (coupled input and forget gates)";
        string direction = a.String("direction", "forward");
        if (direction is not ("forward" or "reverse" or "bidirectional")) return $"direction '{direction}'";
        string[] names = Activations(a, kind);
        if (names.Length != DefaultActivations(kind).Length * Directions(a)) return $"{names.Length} activations";
        return names.FirstOrDefault(n => !Supported.Contains(n, StringComparer.OrdinalIgnoreCase)) is { } bad
            ? $"activation '{bad}' (supported: {string.Join(", ", Supported)})"
            : null;
    }

    static string[] Activations(OnnxNodeAttributes a, Kind kind)
    {
        if (a.Get("activations") is { } given) return given.Strings.Select(s => s.ToStringUtf8()).ToArray();
        string[] one = DefaultActivations(kind);
        return Directions(a) == 2 ? [.. one, .. one] : one;
    }

    static Func<Tensor, Tensor> Activation(string name) => name.ToLowerInvariant() switch
    {
        "sigmoid" => t => t.sigmoid(),
        "tanh" => t => t.tanh(),
        _ => t => nn.functional.relu(t),
    };

    // Inputs: X, W, R, B, sequence_lens, initial_h (and for LSTM initial_c, P). Outputs: Y, Y_h (and for LSTM Y_c).
    static Tensor[] Run(OnnxOpContext c, Kind kind)
    {
        bool batchFirst = c.Attributes.Int("layout", 0) == 1;
        Tensor x = c.Input(0);
        if (batchFirst) x = x.transpose(0, 1);
        long steps = x.shape[0], batch = x.shape[1];
        long hidden = c.Attributes.Int("hidden_size", c.Input(2).shape[2]);
        int gates = kind switch { Kind.Lstm => 4, Kind.Gru => 3, _ => 1 };
        int directions = Directions(c.Attributes);
        string direction = c.Attributes.String("direction", "forward");
        if (c.OptionalInput(4) is { } lengths && OnnxOpContext.ToLongs(lengths).Any(l => l != steps))
            throw c.Error($"sequence_lens [{string.Join(",", OnnxOpContext.ToLongs(lengths))}] shorter than the sequence ({steps}) is not supported; export one sequence length");
        Tensor? initialH = c.OptionalInput(5), initialC = kind == Kind.Lstm ? c.OptionalInput(6) : null;
        if (batchFirst)
        {
            initialH = initialH?.transpose(0, 1);
            initialC = initialC?.transpose(0, 1);
        }
        float clip = c.Attributes.Float("clip", 0f);
        Func<Tensor, Tensor>[] f = Activations(c.Attributes, kind).Select(Activation).ToArray();
        int perDirection = f.Length / directions;
        var ys = new List<Tensor>();
        var hs = new List<Tensor>();
        var cs = new List<Tensor>();
        for (int d = 0; d < directions; d++)
        {
            Tensor w = c.Input(1)[d], r = c.Input(2)[d];
            Tensor? bias = c.OptionalInput(3)?[d];
            Tensor? wb = bias?.narrow(0, 0, gates * hidden), rb = bias?.narrow(0, gates * hidden, gates * hidden);
            // The input part of every gate for every step at once: [steps, batch, gates·hidden].
            Tensor xw = x.matmul(w.t());
            if (wb is not null) xw = xw.Plus(wb);
            Tensor h = initialH?[d] ?? zeros([batch, hidden], x.dtype, x.device);
            Tensor cell = initialC?[d] ?? zeros([batch, hidden], x.dtype, x.device);
            Tensor? peep = kind == Kind.Lstm ? c.OptionalInput(7)?[d] : null;
            var act = f.Skip(d * perDirection).Take(perDirection).ToArray();
            bool reverse = direction == "reverse" || d == 1;
            var outputs = new Tensor[steps];
            for (long s = 0; s < steps; s++)
            {
                long t = reverse ? steps - 1 - s : s;
                (h, cell) = kind switch
                {
                    Kind.Lstm => LstmStep(xw[t], h, cell, r, rb, peep, hidden, clip, act),
                    Kind.Gru => (GruStep(xw[t], h, r, rb, hidden, clip, c.Attributes.Int("linear_before_reset", 0) != 0, act), cell),
                    _ => (act[0](Clip(WithBias(xw[t].Plus(h.matmul(r.t())), rb), clip)), cell),
                };
                outputs[t] = h;
            }
            ys.Add(stack(outputs, 0));
            hs.Add(h);
            cs.Add(cell);
        }
        Tensor y = stack(ys, 1);        // [steps, directions, batch, hidden]
        Tensor yh = stack(hs, 0);       // [directions, batch, hidden]
        Tensor yc = stack(cs, 0);
        if (batchFirst)
        {
            y = y.permute(2, 0, 1, 3);
            yh = yh.transpose(0, 1);
            yc = yc.transpose(0, 1);
        }
        return kind == Kind.Lstm ? [y, yh, yc] : [y, yh];
    }

    static Tensor WithBias(Tensor t, Tensor? bias) => bias is null ? t : t.Plus(bias);

    static Tensor Clip(Tensor t, float clip) => clip > 0 ? t.Clamp(-clip, clip) : t;

    // Gate order i, o, f, c in W, R and B; peepholes P = [Pi, Po, Pf].
    static (Tensor H, Tensor C) LstmStep(Tensor xw, Tensor h, Tensor cell, Tensor r, Tensor? rb, Tensor? peep, long hidden, float clip, Func<Tensor, Tensor>[] act)
    {
        Tensor all = WithBias(xw.Plus(h.matmul(r.t())), rb);
        Tensor[] g = all.split(hidden, -1);
        Tensor i = g[0], o = g[1], f = g[2], z = g[3];
        if (peep is not null)
        {
            i = i.Plus(peep.narrow(0, 0, hidden).mul(cell));
            f = f.Plus(peep.narrow(0, 2 * hidden, hidden).mul(cell));
        }
        Tensor next = act[0](Clip(f, clip)).mul(cell).Plus(act[0](Clip(i, clip)).mul(act[1](Clip(z, clip))));
        if (peep is not null) o = o.Plus(peep.narrow(0, hidden, hidden).mul(next));
        return (act[0](Clip(o, clip)).mul(act[2](next)), next);
    }

    // Gate order z, r, h. Without linear_before_reset the reset gate scales the state before its product with Rh.
    static Tensor GruStep(Tensor xw, Tensor h, Tensor r, Tensor? rb, long hidden, float clip, bool linearBeforeReset, Func<Tensor, Tensor>[] act)
    {
        Tensor[] xg = xw.split(hidden, -1);
        Tensor[] rw = r.split(hidden, 0);
        Tensor[] rbs = rb?.split(hidden, 0) ?? [];
        Tensor? Bias(int k) => rbs.Length > 0 ? rbs[k] : null;
        Tensor z = act[0](Clip(WithBias(xg[0].Plus(h.matmul(rw[0].t())), Bias(0)), clip));
        Tensor reset = act[0](Clip(WithBias(xg[1].Plus(h.matmul(rw[1].t())), Bias(1)), clip));
        Tensor candidate = linearBeforeReset
            ? xg[2].Plus(reset.mul(WithBias(h.matmul(rw[2].t()), Bias(2))))
            : WithBias(xg[2].Plus(reset.mul(h).matmul(rw[2].t())), Bias(2));
        Tensor hTilde = act[1](Clip(candidate, clip));
        return hTilde.Plus(z.mul(h - hTilde));
    }
}
