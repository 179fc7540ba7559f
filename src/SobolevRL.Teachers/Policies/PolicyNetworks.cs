using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SobolevRL.Policies;

/// <summary>The policy architectures used as teachers and students (logits out; any input scaling happens outside).</summary>
public static class PolicyNetworks
{
    /// <summary>
    /// Nature-DQN CNN (Mnih et al. 2015) for 4×84×84 inputs: conv 32 8×8/4, conv 64 4×4/2, conv 64 3×3/1, fc 512, with
    /// every width multiplied by <paramref name="width"/> (0.5 is the half-width student of the benchmarks).
    /// </summary>
    public static Sequential NatureCnn(int actions, double width = 1.0, int inChannels = 4)
    {
        int c1 = (int)(32 * width), c2 = (int)(64 * width), c3 = (int)(64 * width), fc = (int)(512 * width);
        return Sequential(
            ("conv1", Conv2d(inChannels, c1, 8, stride: 4)), ("relu1", ReLU()),
            ("conv2", Conv2d(c1, c2, 4, stride: 2)), ("relu2", ReLU()),
            ("conv3", Conv2d(c2, c3, 3, stride: 1)), ("relu3", ReLU()),
            ("flatten", Flatten()),
            ("fc1", Linear(c3 * 7 * 7, fc)), ("relu4", ReLU()),
            ("fc2", Linear(fc, actions)));
    }

    /// <summary>The MinAtar DQN network (Young &amp; Tian 2019) for C×10×10 inputs: conv <paramref name="channels"/> 3×3/1, fc <paramref name="hidden"/>.</summary>
    public static Sequential MinAtarCnn(int inChannels, int actions, int channels = 16, int hidden = 128)
    {
        return Sequential(
            ("conv1", Conv2d(inChannels, channels, 3, stride: 1)), ("relu1", ReLU()),
            ("flatten", Flatten()),
            ("fc1", Linear(channels * 8 * 8, hidden)), ("relu2", ReLU()),
            ("fc2", Linear(hidden, actions)));
    }

    /// <summary>A ReLU MLP over the flattened input.</summary>
    public static Sequential Mlp(long inputs, IReadOnlyList<int> hidden, int outputs)
    {
        var layers = new List<(string, Module<Tensor, Tensor>)> { ("flatten", Flatten()) };
        long previous = inputs;
        for (int i = 0; i < hidden.Count; i++)
        {
            layers.Add(($"fc{i + 1}", Linear(previous, hidden[i])));
            layers.Add(($"relu{i + 1}", ReLU()));
            previous = hidden[i];
        }
        layers.Add(($"fc{hidden.Count + 1}", Linear(previous, outputs)));
        return Sequential(layers);
    }

    /// <summary>
    /// The IMPALA ResNet (Espeholt et al. 2018, the "15-layer" network): three <see cref="ImpalaStack"/>s of 16, 32, 32
    /// channels (times <paramref name="width"/>), each halving height and width, then ReLU, fc 256 (times width), ReLU and
    /// the action logits. For 4×84×84 inputs the last stack is 11×11 and the full-width network has 1.09M parameters.
    /// </summary>
    public static Sequential ImpalaResNet(int inChannels, int actions, long height, long width, double widthMultiplier = 1.0)
    {
        int c1 = (int)(16 * widthMultiplier), c2 = (int)(32 * widthMultiplier), c3 = (int)(32 * widthMultiplier), fc = (int)(256 * widthMultiplier);
        static long Half(long size) => (size + 1) / 2;
        long h = Half(Half(Half(height))), w = Half(Half(Half(width)));
        return Sequential(
            ("stack1", new ImpalaStack(inChannels, c1)), ("stack2", new ImpalaStack(c1, c2)), ("stack3", new ImpalaStack(c2, c3)),
            ("flatten", Flatten()), ("relu1", ReLU()),
            ("fc1", Linear(c3 * h * w, fc)), ("relu2", ReLU()),
            ("fc2", Linear(fc, actions)));
    }

    /// <summary>
    /// A small attention policy over the cells of a C×H×W grid as entities (<see cref="EntityAttentionEncoder"/>:
    /// embedding <paramref name="dim"/>, <paramref name="heads"/> heads), then fc <paramref name="hidden"/>, ReLU and the logits.
    /// </summary>
    public static Sequential EntityAttention(int inChannels, long height, long width, int actions, int dim = 48, int heads = 2, int hidden = 64) =>
        Sequential(
            ("attention", new EntityAttentionEncoder(inChannels, height, width, dim, heads)),
            ("fc1", Linear(dim, hidden)), ("relu1", ReLU()),
            ("fc2", Linear(hidden, actions)));

    /// <summary>Number of trainable parameters.</summary>
    public static long ParameterCount(Module module) => module.parameters().Sum(p => p.numel());
}
