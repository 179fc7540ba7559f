using SobolevRL.Onnx.Proto;
using static TorchSharp.torch;
using SobolevRL.Hardware;

namespace SobolevRL.Teachers;

/// <summary>
/// Which piece of every piecewise operator of a teacher's rebuilt graph each state is on: the sign of the input of
/// Relu, LeakyRelu, Elu, Selu and Abs; which input Max and Min pass on; whether Clip and HardSigmoid are inside their
/// linear range; which element MaxPool and ReduceMax select. Two inputs with the same pattern lie on the same smooth
/// piece of the network (barring a kink crossed and crossed back between them), so finite differences between them
/// are valid; a different pattern means a kink lies between them.
/// </summary>
public sealed class ActivationPattern
{
    static readonly HashSet<string> SignOps = ["Relu", "LeakyRelu", "Elu", "Selu", "Abs"];
    static readonly HashSet<string> SelectOps = ["Max", "Min", "Clip"];
    static readonly HashSet<string> ReductionOps = ["MaxPool", "ReduceMax"];

    readonly List<bool[]> _perState = [];
    readonly List<bool[]> _shared = [];

    ActivationPattern(int states) => States = states;

    /// <summary>Number of states.</summary>
    public int States { get; }

    /// <summary>True when the teacher's graph has an operator whose derivative jumps (a kink).</summary>
    public static bool HasKinks(OnnxTeacher teacher) =>
        teacher.Graph.Ops.Keys.Any(op => SignOps.Contains(op) || SelectOps.Contains(op) || ReductionOps.Contains(op) || op == "HardSigmoid" || op == "HardSwish");

    /// <summary>
    /// The pattern of <paramref name="count"/> states (count × observation size floats, environment range); a recurrent
    /// teacher's from <paramref name="state"/> (count × state size; null: the zero state).
    /// </summary>
    public static ActivationPattern Of(OnnxTeacher teacher, ReadOnlySpan<float> states, int count, float[]? state = null)
    {
        if (teacher.Signature.OneAtATime && count > 1) return OneAtATime(teacher, states, count, state);
        var pattern = new ActivationPattern(count);
        using var scope = NewDisposeScope();
        using var gradMode = enable_grad();
        Tensor x = tensor(states[..(count * (int)teacher.ObservationShape.Aggregate(1L, (p, d) => p * d))].ToArray(), [count, .. teacher.ObservationShape])
            .to(teacher.Device).requires_grad_(true);
        Tensor? from = state is null ? null : tensor(state, [count, teacher.StateSize]).to(teacher.Device);
        teacher.Logits(x, (node, values) => pattern.Record(node, values, count), from).Dispose();
        return pattern;
    }

    // A graph with a fixed batch of 1 runs state by state: each state's pattern on its own, every mask then per state.
    static ActivationPattern OneAtATime(OnnxTeacher teacher, ReadOnlySpan<float> states, int count, float[]? state)
    {
        int size = (int)teacher.ObservationShape.Aggregate(1L, (p, d) => p * d), s = teacher.StateSize;
        var singles = new ActivationPattern[count];
        for (int b = 0; b < count; b++) singles[b] = Of(teacher, states.Slice(b * size, size), 1, state?.AsSpan(b * s, s).ToArray());
        var pattern = new ActivationPattern(count);
        int masks = singles[0]._perState.Count + singles[0]._shared.Count;
        for (int k = 0; k < masks; k++)
            pattern._perState.Add(singles.SelectMany(p => p._perState.Concat(p._shared).ElementAt(k)).ToArray());
        return pattern;
    }

    /// <summary>Per state: true when state b of <paramref name="other"/> is on the same piece as state b here.</summary>
    public bool[] SameAs(ActivationPattern other) => SameAs(other, Enumerable.Range(0, States).ToArray());

    /// <summary>True for each b when state <paramref name="map"/>[b] here and state b of <paramref name="other"/> are on the same piece.</summary>
    public bool[] SameAs(ActivationPattern other, int[] map)
    {
        if (other._perState.Count != _perState.Count || other._shared.Count != _shared.Count || map.Length != other.States)
            throw new ArgumentException("patterns of different graphs or state counts");
        bool sharedEqual = _shared.Zip(other._shared).All(p => p.First.AsSpan().SequenceEqual(p.Second));
        var same = new bool[other.States];
        for (int b = 0; b < same.Length; b++)
        {
            bool equal = sharedEqual;
            for (int k = 0; k < _perState.Count && equal; k++)
            {
                int n = _perState[k].Length / States, m = other._perState[k].Length / other.States;
                equal = n == m && _perState[k].AsSpan(map[b] * n, n).SequenceEqual(other._perState[k].AsSpan(b * m, m));
            }
            same[b] = equal;
        }
        return same;
    }

    void Record(NodeProto node, IReadOnlyDictionary<string, Tensor> values, int count)
    {
        string op = node.OpType;
        Tensor output = values[node.Output[0]];
        if (SignOps.Contains(op)) Add(values[node.Input[0]].GreaterThan(0), count);
        else if (op == "HardSigmoid") Add(stack([output.GreaterThan(0), output.LessThan(1)], -1), count);
        else if (op == "HardSwish") Add(stack([values[node.Input[0]].GreaterThan(-3), values[node.Input[0]].LessThan(3)], -1), count); // x · clip(x/6 + 1/2, 0, 1)
        else if (SelectOps.Contains(op))
        {
            // Clip passes its input on inside [min, max]; Max and Min pass on the input equal to the result.
            int inputs = op == "Clip" ? 1 : node.Input.Count;
            for (int i = 0; i < inputs; i++)
                if (node.Input[i].Length > 0) Add(values[node.Input[i]].expand_as(output).eq(output), count);
        }
        else if (ReductionOps.Contains(op))
        {
            // Which elements the maximum selects: the derivative of the summed output with respect to the input.
            Tensor input = values[node.Input[0]];
            if (!input.requires_grad) return; // does not depend on the observation
            Tensor selected = autograd.grad([output], [input], [ones_like(output)], retain_graph: true)[0];
            Add(selected.NotEqualTo(0), count);
        }
    }

    void Add(Tensor mask, int count)
    {
        using Tensor flat = mask.detach().to(ScalarType.Bool).cpu().contiguous();
        bool[] data = flat.data<bool>().ToArray();
        if (flat.dim() > 0 && flat.shape[0] == count) _perState.Add(data);
        else _shared.Add(data);
    }
}
