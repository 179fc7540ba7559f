using SobolevRL.Policies;
using SobolevRL.Sobolev;
using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Bench;

/// <summary>
/// A network of the Sobolev cost benchmark (<see cref="SobolevCostJob"/>): what it is, the states it reads (MinAtar
/// grids 4×10×10 of 0/1 cells, or Atari frames 4×84×84 of pixels 0..255 seen as x/255, both as <c>bench label</c>
/// draws them) and how it is built for a number of actions. Students and teachers are the same networks.
/// </summary>
/// <param name="Name">Name on the command line.</param>
/// <param name="Description">The layers, in a few words.</param>
/// <param name="Workload">The states: <c>minatar</c> (grids) or <c>nature</c> (frames), as in <see cref="LabelWorkload"/>.</param>
public sealed record CostArchitecture(string Name, string Description, string Workload)
{
    /// <summary>Every architecture, smallest input first.</summary>
    public static IReadOnlyList<CostArchitecture> All { get; } =
    [
        new("mlp", "MLP 400-256-256-A on the flattened MinAtar grid", "minatar"),
        new("minatar", "MinAtar CNN: conv 8 3x3, fc 64 (the bench train student)", "minatar"),
        new("attention", "self-attention over the 100 grid cells as entities: dim 48, 2 heads, fc 64", "minatar"),
        new("nature-half", "Nature DQN CNN at half width: conv 16/32/32, fc 256", "nature"),
        new("nature", "Nature DQN CNN: conv 32 8x8/4, 64 4x4/2, 64 3x3/1, fc 512", "nature"),
        new("impala", "IMPALA ResNet, 15 layers: 3 stacks (conv, max-pool, 2 residual blocks) of 16/32/32 channels, fc 256", "nature"),
    ];

    /// <summary>Names of <see cref="All"/>, comma-separated.</summary>
    public static string Names => string.Join(",", All.Select(a => a.Name));

    /// <summary>The architecture called <paramref name="name"/>; a user error naming <paramref name="key"/> otherwise.</summary>
    public static CostArchitecture Parse(string name, string key) =>
        All.FirstOrDefault(a => a.Name == name.Trim().ToLowerInvariant())
        ?? throw new UserErrorException($"{UserErrorException.Key(key)}: unknown architecture '{name}'; known: {Names}");

    /// <summary>Shape, input scale and state distribution.</summary>
    public LabelWorkload States => LabelWorkload.Parse(Workload);

    /// <summary>The network for <paramref name="actions"/> actions, initialised from <paramref name="seed"/>.</summary>
    public nn.Module<Tensor, Tensor> Build(int actions, long seed)
    {
        torch.manual_seed(seed);
        long[] shape = States.ObservationShape;
        int channels = (int)shape[0];
        return Name switch
        {
            "mlp" => PolicyNetworks.Mlp(shape.Aggregate(1L, (a, d) => a * d), [256, 256], actions),
            "minatar" => PolicyNetworks.MinAtarCnn(channels, actions, 8, 64),
            "attention" => PolicyNetworks.EntityAttention(channels, shape[1], shape[2], actions),
            "nature-half" => PolicyNetworks.NatureCnn(actions, 0.5, channels),
            "nature" => PolicyNetworks.NatureCnn(actions, 1.0, channels),
            "impala" => PolicyNetworks.ImpalaResNet(channels, actions, shape[1], shape[2]),
            _ => throw new InvalidOperationException($"no builder for architecture {Name}"),
        };
    }

    /// <summary>The network on <paramref name="device"/> as a policy (input scale applied inside).</summary>
    public ModulePolicy Policy(int actions, long seed, Device device) => new(Build(actions, seed).to(device), States.ObservationShape, actions, States.InputScale);

    /// <summary>
    /// Whether the trainer computes this network's exact Sobolev term with explicit input-gradient ops
    /// (<see cref="ExplicitInputGradients"/>, for Conv/ReLU/Linear Sequentials with a strided convolution) rather than
    /// autograd's double backward.
    /// </summary>
    public bool UsesExplicitGradients()
    {
        using var network = Build(LabelWorkload.Actions, 0);
        return ExplicitInputGradients.TryCreate(network) is { HasStridedConvolution: true };
    }
}
