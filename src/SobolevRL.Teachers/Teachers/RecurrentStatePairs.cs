using SobolevRL.Onnx;

namespace SobolevRL.Teachers;

/// <summary>
/// Proposes the recurrent state of a graph for <c>teacher card</c>: every graph input besides the observation is paired with
/// a graph output besides the policy output that has its element type and shape (fixed sizes equal where both are
/// fixed), preferring the output whose name extends the input's (<c>h</c> → <c>h_out</c>, <c>hx</c> → <c>hx_n</c>), then the
/// first in graph order. A proposal for a person to check: it is what PyTorch exports of <c>forward(obs, h, c)</c> returning
/// <c>(logits, h, c)</c> look like.
/// </summary>
public static class RecurrentStatePairs
{
    /// <summary>
    /// The state pairs of a graph with <paramref name="inputs"/> (callers' inputs, not initializers) and
    /// <paramref name="outputs"/>; null when the graph has no input besides the observation, or when some such input has
    /// no matching output (then nothing is proposed).
    /// </summary>
    /// <param name="inputs">The graph inputs a caller provides.</param>
    /// <param name="outputs">The graph outputs.</param>
    /// <param name="observation">The observation input's name (null: the first input, the first argument of the export).</param>
    /// <param name="policyOutput">The policy output's name (null: the first output).</param>
    public static RecurrentCard? Propose(IReadOnlyList<OnnxValueInfo> inputs, IReadOnlyList<OnnxValueInfo> outputs, string? observation = null, string? policyOutput = null)
    {
        if (inputs.Count < 2 || outputs.Count < 2) return null;
        string obs = observation ?? inputs[0].Name;
        string policy = policyOutput ?? outputs[0].Name;
        var free = outputs.Where(o => o.Name != policy).ToList();
        var pairs = new List<RecurrentStateCard>();
        foreach (OnnxValueInfo input in inputs.Where(i => i.Name != obs))
        {
            var matching = free.Where(o => Matches(input, o)).ToList();
            OnnxValueInfo? chosen = matching.FirstOrDefault(o => o.Name.StartsWith(input.Name, StringComparison.Ordinal) && o.Name != input.Name)
                ?? matching.FirstOrDefault();
            if (chosen is null) return null;
            free.Remove(chosen);
            pairs.Add(new RecurrentStateCard { Input = input.Name, Output = chosen.Name });
        }
        return new RecurrentCard { State = pairs };
    }

    /// <summary>
    /// <see cref="Propose(IReadOnlyList{OnnxValueInfo}, IReadOnlyList{OnnxValueInfo}, string?, string?)"/> for the model at
    /// <paramref name="path"/> (policy output from <paramref name="policyOutput"/>, a name; null: the first); null when the
    /// file cannot be read (loading it reports why).
    /// </summary>
    public static RecurrentCard? Propose(string path, string? policyOutput = null)
    {
        Onnx.Proto.GraphProto graph;
        try
        {
            graph = OnnxModelFile.Read(path).Graph;
        }
        catch (OnnxModelException)
        {
            return null;
        }
        var outputs = OnnxValueInfo.OutputsOf(graph);
        string? policy = int.TryParse(policyOutput, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index)
            ? (index < outputs.Count ? outputs[index].Name : null)
            : policyOutput;
        return Propose(OnnxValueInfo.InputsOf(graph), outputs, policyOutput: policy);
    }

    static bool Matches(OnnxValueInfo input, OnnxValueInfo output)
    {
        if (input.ElementTypeCode != output.ElementTypeCode) return false;
        if (input.Shape is null || output.Shape is null) return true;
        return input.Shape.Count == output.Shape.Count
            && input.Shape.Zip(output.Shape).All(d => d.First.Size is null || d.Second.Size is null || d.First.Size == d.Second.Size);
    }
}
