using SobolevRL.Hardware;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SobolevRL.SyntheticGradients;

/// <summary>
/// The classifier of the experiment, split at one or more cuts into a chain of modules: three blocks
/// conv 3×3 (padding 1) → ReLU → max-pool 2×2 with 16, 32 and 32 channels (28×28 → 14×14 → 7×7 → 3×3) and a linear layer
/// to the class logits. A cut k (1–3) ends a module after block k: cuts [2] give two modules (blocks 1–2 | block 3 and
/// the linear layer), cuts [1, 2] three (block 1 | block 2 | block 3 and the linear layer). The initialisation depends
/// on the seed only, not on the cuts.
/// </summary>
public sealed class SplitCnn : IDisposable
{
    /// <summary>Channels of the three blocks.</summary>
    public static readonly int[] BlockChannels = [16, 32, 32];

    /// <summary>
    /// Creates the modules for <paramref name="imageSize"/>² one-channel images, initialised from <paramref name="seed"/>
    /// alone; <paramref name="cuts"/> are strictly increasing cut positions in 1..3.
    /// </summary>
    public SplitCnn(int[] cuts, int imageSize, int classes, long seed, Device device, ScalarType dtype = ScalarType.Float32)
    {
        if (cuts.Length == 0 || cuts.Any(c => c < 1 || c > BlockChannels.Length) || cuts.Zip(cuts.Skip(1)).Any(p => p.First >= p.Second))
            throw new ArgumentOutOfRangeException(nameof(cuts), string.Join(",", cuts), $"cuts are strictly increasing in 1..{BlockChannels.Length}");
        var stages = new List<List<(string, nn.Module<Tensor, Tensor>)>> { new() };
        var shapes = new List<long[]>();
        int channels = 1, size = imageSize;
        for (int b = 0; b < BlockChannels.Length; b++)
        {
            stages[^1].Add(($"conv{b + 1}", nn.Conv2d(channels, BlockChannels[b], 3, padding: 1)));
            stages[^1].Add(($"relu{b + 1}", nn.ReLU()));
            stages[^1].Add(($"pool{b + 1}", nn.MaxPool2d(2)));
            channels = BlockChannels[b];
            size /= 2;
            if (cuts.Contains(b + 1))
            {
                shapes.Add([channels, size, size]);
                stages.Add([]);
            }
        }
        stages[^1].Add(("flatten", nn.Flatten()));
        stages[^1].Add(("head", nn.Linear(channels * size * size, classes)));
        Stages = [.. stages.Select(nn.Sequential)];
        CutShapes = [.. shapes];
        using var generator = new Generator((ulong)seed);
        foreach (var stage in Stages)
        {
            TorchDefaultInit.Apply(stage, generator);
            stage.to(device, dtype);
        }
    }

    /// <summary>The modules from the input up: each maps the activation at the cut below it (the images first) to the one above it (the logits last).</summary>
    public Sequential[] Stages { get; }

    /// <summary>The last module: the activation at the highest cut → logits.</summary>
    public Sequential Top => Stages[^1];

    /// <summary>Shape of one example's activation at each cut, <c>[C, H, W]</c>, from the lowest cut up.</summary>
    public long[][] CutShapes { get; }

    /// <summary>Logits of images (pixel values scaled to [0, 1]).</summary>
    public Tensor Logits(Tensor images)
    {
        var x = images;
        foreach (var stage in Stages) x = stage.forward(x);
        return x;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var stage in Stages) stage.Dispose();
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
