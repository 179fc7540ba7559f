using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using SobolevRL.Hardware;

namespace SobolevRL.Policies;

/// <summary>
/// Self-attention over the entities of a grid observation C×H×W: each cell is an entity whose features are its C
/// channels and its (row, column) position scaled to [0, 1]; a linear embedding to <c>dim</c>, one multi-head
/// self-attention layer with a residual connection, then the mean over entities ([B, dim] out). With a linear head
/// (<see cref="PolicyNetworks.EntityAttention"/>) it is the small attention policy of the cost benchmark.
/// </summary>
public sealed class EntityAttentionEncoder : Module<Tensor, Tensor>
{
    private readonly Linear embed;
    private readonly Linear query;
    private readonly Linear key;
    private readonly Linear value;
    private readonly Linear output;
    private readonly Tensor positions;
    private readonly long heads;
    private readonly long dim;

    /// <summary>An encoder for <paramref name="channels"/>×<paramref name="height"/>×<paramref name="width"/> inputs.</summary>
    public EntityAttentionEncoder(long channels, long height, long width, long dim, long heads) : base(nameof(EntityAttentionEncoder))
    {
        if (dim % heads != 0) throw new ArgumentException($"dim {dim} must be a multiple of heads {heads}");
        this.heads = heads;
        this.dim = dim;
        embed = Linear(channels + 2, dim);
        query = Linear(dim, dim);
        key = Linear(dim, dim);
        value = Linear(dim, dim);
        output = Linear(dim, dim);
        var grid = new float[height * width * 2];
        for (long r = 0; r < height; r++)
            for (long c = 0; c < width; c++)
            {
                grid[(r * width + c) * 2] = (float)r / Math.Max(height - 1, 1);
                grid[(r * width + c) * 2 + 1] = (float)c / Math.Max(width - 1, 1);
            }
        positions = tensor(grid, [height * width, 2]);
        // A buffer, so it follows the module to a device and into a state dict.
        register_buffer("positions", positions, persistent: false);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        long b = input.shape[0], n = input.shape[2] * input.shape[3];
        var cells = input.flatten(2).transpose(1, 2); // [B, N, C]
        var pos = positions.to(input.dtype, input.device).unsqueeze(0).expand(b, n, 2);
        var tokens = embed.forward(cat([cells, pos], 2)); // [B, N, D]
        long dh = dim / heads;
        Tensor Split(Tensor t) => t.view(b, n, heads, dh).transpose(1, 2); // [B, H, N, dh]
        var q = Split(query.forward(tokens));
        var k = Split(key.forward(tokens));
        var v = Split(value.forward(tokens));
        var weights = functional.softmax(q.matmul(k.transpose(2, 3)).DividedBy(Math.Sqrt(dh)), -1);
        var attended = weights.matmul(v).transpose(1, 2).reshape(b, n, dim);
        var mixed = tokens.Plus(output.forward(attended));
        return functional.relu(mixed).mean([1]).MoveToOuterDisposeScope();
    }
}
