using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using SobolevRL.Hardware;

namespace SobolevRL.Policies;

/// <summary>
/// A residual block of the IMPALA ResNet (Espeholt et al. 2018): x + conv(relu(conv(relu(x)))), two 3×3 convolutions
/// with padding 1 that keep the shape.
/// </summary>
public sealed class ImpalaResidualBlock : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly Conv2d conv2;

    /// <summary>A block on <paramref name="channels"/> channels.</summary>
    public ImpalaResidualBlock(long channels) : base(nameof(ImpalaResidualBlock))
    {
        conv1 = Conv2d(channels, channels, 3, padding: 1);
        conv2 = Conv2d(channels, channels, 3, padding: 1);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var inner = conv2.forward(functional.relu(conv1.forward(functional.relu(input))));
        return input.Plus(inner).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// One stack of the IMPALA ResNet: a 3×3 convolution (padding 1), a 3×3 max-pool of stride 2 (padding 1), and two
/// <see cref="ImpalaResidualBlock"/>s: five convolutions, so three stacks and the final layer are the "15-layer" network.
/// </summary>
public sealed class ImpalaStack : Module<Tensor, Tensor>
{
    private readonly Conv2d conv;
    private readonly MaxPool2d pool;
    private readonly ImpalaResidualBlock res1;
    private readonly ImpalaResidualBlock res2;

    /// <summary>A stack from <paramref name="inChannels"/> to <paramref name="outChannels"/> channels; halves height and width (rounding up).</summary>
    public ImpalaStack(long inChannels, long outChannels) : base(nameof(ImpalaStack))
    {
        conv = Conv2d(inChannels, outChannels, 3, padding: 1);
        pool = MaxPool2d(3, stride: 2, padding: 1);
        res1 = new ImpalaResidualBlock(outChannels);
        res2 = new ImpalaResidualBlock(outChannels);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return res2.forward(res1.forward(pool.forward(conv.forward(input)))).MoveToOuterDisposeScope();
    }
}
