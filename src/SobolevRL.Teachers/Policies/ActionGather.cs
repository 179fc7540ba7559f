using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Policies;

/// <summary>
/// Picks a game's actions out of a head over a larger action set: output column i is input column
/// <see cref="Indices"/>[i] (a gather along the last axis; ONNX <c>Gather</c> on axis 1). A shared head over the full
/// action set (MinAtar 6, ALE 18) followed by one of these per game gives each game its own (minimal) action set.
/// </summary>
public sealed class ActionGather : nn.Module<Tensor, Tensor>
{
    private readonly long[] _indices;

    /// <summary>Gathers columns <paramref name="indices"/> (each in [0, <paramref name="from"/>)) of a <paramref name="from"/>-wide input.</summary>
    public ActionGather(IReadOnlyList<int> indices, int from) : base("action_gather")
    {
        if (indices.Count == 0 || indices.Any(i => i < 0 || i >= from))
            throw new ArgumentException($"action indices [{string.Join(", ", indices)}] must be non-empty and in [0, {from})", nameof(indices));
        Indices = [.. indices];
        From = from;
        _indices = [.. Indices.Select(i => (long)i)];
    }

    /// <summary>Input column of each output column.</summary>
    public IReadOnlyList<int> Indices { get; }

    /// <summary>Width of the input (the head's action count).</summary>
    public int From { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var indices = tensor(_indices, device: input.device);
        return input.index_select(-1, indices);
    }
}
