using SobolevRL.Hardware;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SobolevRL.SyntheticGradients;

/// <summary>
/// The classifier of the experiment, split at one cut into a lower and an upper module: three blocks
/// conv 3×3 (padding 1) → ReLU → max-pool 2×2 with 16, 32 and 32 channels (28×28 → 14×14 → 7×7 → 3×3) and a linear layer
/// to the class logits. Cut k (1–3) puts blocks 1..k in the lower module, the rest and the linear layer in the upper one.
/// </summary>
public sealed class SplitCnn : IDisposable
{
    /// <summary>Channels of the three blocks.</summary>
    public static readonly int[] BlockChannels = [16, 32, 32];

    /// <summary>Creates both modules for <paramref name="imageSize"/>² one-channel images, initialised from <paramref name="seed"/> alone.</summary>
    public SplitCnn(int cut, int imageSize, int classes, long seed, Device device, ScalarType dtype = ScalarType.Float32)
    {
        if (cut < 1 || cut > BlockChannels.Length) throw new ArgumentOutOfRangeException(nameof(cut), cut, $"cuts are 1..{BlockChannels.Length}");
        var lower = new List<(string, nn.Module<Tensor, Tensor>)>();
        var upper = new List<(string, nn.Module<Tensor, Tensor>)>();
        int channels = 1, size = imageSize;
        for (int b = 0; b < BlockChannels.Length; b++)
        {
            var into = b < cut ? lower : upper;
            into.Add(($"conv{b + 1}", nn.Conv2d(channels, BlockChannels[b], 3, padding: 1)));
            into.Add(($"relu{b + 1}", nn.ReLU()));
            into.Add(($"pool{b + 1}", nn.MaxPool2d(2)));
            channels = BlockChannels[b];
            size /= 2;
            if (b == cut - 1) CutShape = [channels, size, size];
        }
        upper.Add(("flatten", nn.Flatten()));
        upper.Add(("head", nn.Linear(channels * size * size, classes)));
        Lower = nn.Sequential(lower);
        Upper = nn.Sequential(upper);
        using var generator = new Generator((ulong)seed);
        TorchDefaultInit.Apply(Lower, generator);
        TorchDefaultInit.Apply(Upper, generator);
        Lower.to(device, dtype);
        Upper.to(device, dtype);
    }

    /// <summary>Blocks below the cut: images → activation h.</summary>
    public Sequential Lower { get; }

    /// <summary>Blocks above the cut and the linear layer: h → logits.</summary>
    public Sequential Upper { get; }

    /// <summary>Shape of one example's activation at the cut, <c>[C, H, W]</c>.</summary>
    public long[] CutShape { get; } = [];

    /// <summary>Logits of images (pixel values scaled to [0, 1]).</summary>
    public Tensor Logits(Tensor images) => Upper.forward(Lower.forward(images));

    /// <inheritdoc />
    public void Dispose()
    {
        Lower.Dispose();
        Upper.Dispose();
    }
}

/// <summary>
/// torch's default initialisation of Conv2d and Linear layers (weights and biases uniform in ±1/√fan_in, which is what
/// kaiming_uniform with a = √5 gives for the weights), drawn from a given generator rather than the process-wide one so
/// that runs are reproducible by seed whatever else runs in the process.
/// </summary>
public static class TorchDefaultInit
{
    /// <summary>Re-initialises every Conv2d and Linear layer of <paramref name="module"/> in order.</summary>
    public static void Apply(nn.Module module, Generator generator)
    {
        using var _ = no_grad();
        foreach (var layer in module.modules())
        {
            var (weight, bias) = layer switch
            {
                Conv2d c => (c.weight!, c.bias),
                Linear l => (l.weight!, l.bias),
                _ => ((Tensor?)null, (Tensor?)null),
            };
            if (weight is null) continue;
            double bound = 1.0 / Math.Sqrt(weight.shape.Skip(1).Aggregate(1L, (a, b) => a * b));
            foreach (var parameter in new[] { weight, bias })
            {
                if (parameter is null) continue;
                using var unit = rand(parameter.shape, dtype: parameter.dtype, generator: generator);
                using var values = unit.Times(2 * bound).Minus(bound);
                parameter.copy_(values);
            }
        }
    }

    /// <summary>Sets the weights and bias of <paramref name="layer"/> to zero (DNI's zero-initialised last layer).</summary>
    public static void Zero(nn.Module layer)
    {
        using var _ = no_grad();
        foreach (var parameter in layer.parameters()) parameter.zero_();
    }
}
