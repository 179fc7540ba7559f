using SobolevRL.Hardware;
using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Policies;

/// <summary>An <see cref="IPolicy"/> over a TorchSharp module that maps scaled observations to logits (students, trained teachers).</summary>
/// <param name="network">Maps B × X float32 observations, multiplied by <paramref name="inputScale"/>, to B × A logits.</param>
/// <param name="observationShape">Shape of one observation (CHW).</param>
/// <param name="actions">Number of actions.</param>
/// <param name="inputScale">Multiplier applied to observations before the network (1 for grids, 1/255 for Atari frames).</param>
/// <param name="temperature">Softmax temperature τ.</param>
public sealed class ModulePolicy(nn.Module<Tensor, Tensor> network, long[] observationShape, int actions, double inputScale = 1.0, double temperature = 1.0) : IPolicy
{
    /// <summary>The wrapped network.</summary>
    public nn.Module<Tensor, Tensor> Network { get; } = network;

    /// <summary>Multiplier applied to observations before the network.</summary>
    public double InputScale { get; } = inputScale;

    /// <inheritdoc />
    public int Actions { get; } = actions;

    /// <inheritdoc />
    public long[] ObservationShape { get; } = observationShape;

    /// <inheritdoc />
    public double Temperature { get; } = temperature;

    /// <inheritdoc />
    public Device Device => Network.parameters().FirstOrDefault()?.device ?? CPU;

    /// <inheritdoc />
    public Tensor Logits(Tensor observations) =>
        Network.forward(InputScale == 1.0 ? observations : observations.Times(InputScale));

    /// <inheritdoc />
    public void Dispose() => Network.Dispose();
}
