using SobolevRL.Policies;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SobolevRL.Teachers.Training;

/// <summary>
/// The PPO network: the MinAtar CNN (<see cref="PolicyNetworks.MinAtarCnn"/>) is the policy path, its layers up to
/// the last hidden activation are the shared torso, and a linear value head reads the torso's features. Only
/// <see cref="Policy"/> (a Sequential producing logits) is exported.
/// </summary>
public sealed class ActorCritic : Module<Tensor, (Tensor Logits, Tensor Value)>
{
    private readonly Sequential policy;
    private readonly Linear value;

    /// <summary>Builds the network for <paramref name="inChannels"/>×10×10 inputs and <paramref name="actions"/> actions, orthogonally initialised.</summary>
    public ActorCritic(int inChannels, int actions, int channels, int hidden) : base(nameof(ActorCritic))
    {
        policy = PolicyNetworks.MinAtarCnn(inChannels, actions, channels, hidden);
        value = Linear(hidden, 1);
        RegisterComponents();
        InitialiseOrthogonal();
    }

    /// <summary>The policy path, observations → logits (shares its parameters with this module).</summary>
    public Sequential Policy => policy;

    /// <summary>Logits (B × A) and values (B) of float observations B × C × 10 × 10.</summary>
    public override (Tensor Logits, Tensor Value) forward(Tensor observations)
    {
        using var scope = NewDisposeScope();
        var children = policy.children().Cast<Module<Tensor, Tensor>>().ToArray();
        Tensor features = observations;
        for (int i = 0; i < children.Length - 1; i++) features = children[i].call(features);
        Tensor logits = children[^1].call(features);
        Tensor v = value.call(features).squeeze(-1);
        return (logits.MoveToOuterDisposeScope(), v.MoveToOuterDisposeScope());
    }

    // Orthogonal weights, zero biases; gain √2 for hidden layers, 0.01 for the policy head (near-uniform start),
    // 1 for the value head — the initialisation PPO implementations on Atari use.
    private void InitialiseOrthogonal()
    {
        using var noGrad = no_grad();
        var layers = policy.children().Where(m => m is TorchSharp.Modules.Conv2d or TorchSharp.Modules.Linear).ToArray();
        for (int i = 0; i < layers.Length; i++)
        {
            double gain = i == layers.Length - 1 ? 0.01 : Math.Sqrt(2);
            Initialise(layers[i], gain);
        }
        Initialise(value, 1.0);
    }

    private static void Initialise(Module layer, double gain)
    {
        var (weight, bias) = layer switch
        {
            Conv2d c => (c.weight!, c.bias),
            Linear l => (l.weight!, l.bias),
            _ => throw new ArgumentException($"cannot initialise {layer.GetType().Name}"),
        };
        init.orthogonal_(weight, gain);
        if (bias is not null) init.zeros_(bias);
    }
}
