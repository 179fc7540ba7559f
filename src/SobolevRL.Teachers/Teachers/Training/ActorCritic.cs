using SobolevRL.Hardware;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SobolevRL.Teachers.Training;

/// <summary>
/// The PPO network: a policy network (the MinAtar CNN or the Nature CNN, see <see cref="TeacherNetwork"/>) whose layers
/// up to the last hidden activation are the shared torso, and a linear value head reading the torso's features.
/// Observations are multiplied by <see cref="InputScale"/> first. Only <see cref="Policy"/> (a Sequential producing
/// logits, without the scaling, which the model card records) is exported.
/// </summary>
public sealed class ActorCritic : Module<Tensor, (Tensor Logits, Tensor Value)>
{
    private readonly Sequential policy;
    private readonly Linear value;

    /// <summary>Builds the MinAtar-CNN network for <paramref name="inChannels"/>×10×10 inputs and <paramref name="actions"/> actions, orthogonally initialised.</summary>
    public ActorCritic(int inChannels, int actions, int channels, int hidden)
        : this(new TeacherNetwork("minatar", 1.0), [inChannels, 10, 10], actions, channels, hidden)
    {
    }

    /// <summary>Builds <paramref name="network"/> for observations of <paramref name="shape"/> and <paramref name="actions"/> actions, orthogonally initialised.</summary>
    public ActorCritic(TeacherNetwork network, long[] shape, int actions, int channels, int hidden) : base(nameof(ActorCritic))
    {
        ArgumentNullException.ThrowIfNull(network);
        (policy, int features) = network.Build(shape, actions, channels, hidden);
        value = Linear(features, 1);
        InputScale = network.InputScale;
        RegisterComponents();
        InitialiseOrthogonal();
    }

    /// <summary>The policy path, observations (already scaled) → logits (shares its parameters with this module).</summary>
    public Sequential Policy => policy;

    /// <summary>Factor applied to the observations before the network.</summary>
    public double InputScale { get; }

    /// <summary>Logits (B × A) and values (B) of float observations B × C × H × W (unscaled).</summary>
    public override (Tensor Logits, Tensor Value) forward(Tensor observations)
    {
        using var scope = NewDisposeScope();
        var children = policy.children().Cast<Module<Tensor, Tensor>>().ToArray();
        Tensor features = InputScale == 1.0 ? observations : observations.Times(InputScale);
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
        for (int i = 0; i < layers.Length; i++) OrthogonalInit.Apply(layers[i], i == layers.Length - 1 ? 0.01 : Math.Sqrt(2));
        OrthogonalInit.Apply(value, 1.0);
    }
}

/// <summary>Orthogonal weights with a gain and zero biases (Saxe et al. 2014), the initialisation of the PPO and DQN teachers.</summary>
public static class OrthogonalInit
{
    /// <summary>Initialises a <see cref="TorchSharp.Modules.Conv2d"/> or <see cref="TorchSharp.Modules.Linear"/> layer in place.</summary>
    public static void Apply(Module layer, double gain)
    {
        using var noGrad = no_grad();
        var (weight, bias) = layer switch
        {
            TorchSharp.Modules.Conv2d c => (c.weight!, c.bias),
            TorchSharp.Modules.Linear l => (l.weight!, l.bias),
            _ => throw new ArgumentException($"cannot initialise {layer.GetType().Name}"),
        };
        init.orthogonal_(weight, gain);
        if (bias is not null) init.zeros_(bias);
    }
}
