using SobolevRL.Sobolev;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SobolevRL.SyntheticGradients;

/// <summary>The gradient a cut passes to the module below it.</summary>
public static class CutKinds
{
    /// <summary>The exact ∂L/∂h by backpropagation through the upper module (no decoupling: the upper bound).</summary>
    public const string Backprop = "backprop";

    /// <summary>A DNI synthetic-gradient module predicting ∂L/∂h from (h, y), regressed on the true gradient.</summary>
    public const string Sg = "sg";

    /// <summary>A critic predicting L from (h, y), trained on L only; its ∂/∂h is the synthetic gradient.</summary>
    public const string Critic = "critic";

    /// <summary>A critic trained on L and ∂L/∂h with the Sobolev loss; its ∂/∂h is the synthetic gradient.</summary>
    public const string SobolevCritic = "sobolev-critic";

    /// <summary>All kinds, in report order.</summary>
    public static readonly string[] All = [Backprop, Sg, Critic, SobolevCritic];
}

/// <summary>
/// A learnt source of synthetic gradients at a cut: from the activation h <c>[B, *cut]</c> and the one-hot labels
/// <c>[B, classes]</c> it predicts each example's ∂L_i/∂h_i, where L_i is that example's cross-entropy; it learns from
/// the true per-example losses and gradients when they arrive from the upper module.
/// </summary>
/// <remarks>
/// Both kinds condition on the label as in DNI's cDNI: the one-hot label is broadcast to <c>classes</c> constant planes
/// concatenated to h's channels. Both share one trunk, conv 3×3 (padding 1) → ReLU → conv 3×3 → ReLU with
/// <c>channels</c> channels, and their last layer starts at zero (as DNI's), so the first synthetic gradients are zero.
/// </remarks>
public abstract class GradientPredictor : IDisposable
{
    /// <summary>Builds the network from <paramref name="head"/> on the shared trunk, initialised from <paramref name="seed"/>.</summary>
    protected GradientPredictor(long[] cutShape, int classes, int channels, nn.Module<Tensor, Tensor> head, long seed, Device device, ScalarType dtype)
    {
        Classes = classes;
        Network = nn.Sequential(
            ("conv1", nn.Conv2d(cutShape[0] + classes, channels, 3, padding: 1)), ("relu1", nn.ReLU()),
            ("conv2", nn.Conv2d(channels, channels, 3, padding: 1)), ("relu2", nn.ReLU()),
            ("head", head));
        using var generator = new Generator((ulong)seed);
        TorchDefaultInit.Apply(Network, generator);
        TorchDefaultInit.Zero(head);
        Network.to(device, dtype);
    }

    /// <summary>The trunk and head.</summary>
    public Sequential Network { get; }

    /// <summary>Number of classes of the one-hot labels.</summary>
    protected int Classes { get; }

    /// <summary>The predicted per-example gradients ∂L_i/∂h_i, <c>[B, *cut]</c>, detached.</summary>
    public abstract Tensor Synthetic(Tensor h, Tensor oneHot);

    /// <summary>
    /// The loss the predictor minimises on one arrived batch: <paramref name="losses"/> <c>[B]</c> are the true L_i,
    /// <paramref name="trueGradients"/> <c>[B, *cut]</c> the true ∂L_i/∂h_i; differentiable in the predictor's parameters.
    /// </summary>
    public abstract Tensor TrainingLoss(Tensor h, Tensor oneHot, Tensor losses, Tensor trueGradients);

    /// <summary>The network's input: h with the label planes appended to its channels.</summary>
    protected static Tensor Input(Tensor h, Tensor oneHot) =>
        cat([h, oneHot.to(h.dtype).reshape(oneHot.shape[0], oneHot.shape[1], 1, 1).expand(-1, -1, h.shape[2], h.shape[3])], dim: 1);

    /// <inheritdoc />
    public void Dispose()
    {
        Network.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// DNI's synthetic-gradient module (Jaderberg et al. 2017): the trunk and a conv 3×3 back to h's channels predict
/// ∂L_i/∂h_i directly; trained by regression on the true gradient, with the library's squared-L2 derivative loss.
/// </summary>
/// <remarks>
/// At the highest cut the target is the true gradient; at a lower cut it is DNI's bootstrapped target, the synthetic
/// gradient of the cut above backpropagated through the module between (see <see cref="DecoupledTrainer"/>).
/// </remarks>
public sealed class SyntheticGradientModule(long[] cutShape, int classes, int channels, long seed, Device device, ScalarType dtype = ScalarType.Float32)
    : GradientPredictor(cutShape, classes, channels, nn.Conv2d(channels, cutShape[0], 3, padding: 1), seed, device, dtype)
{
    /// <summary>The predicted gradient with its graph (for training and tests).</summary>
    public Tensor Predict(Tensor h, Tensor oneHot) => Network.forward(Input(h, oneHot));

    /// <inheritdoc />
    public override Tensor Synthetic(Tensor h, Tensor oneHot)
    {
        using var _ = no_grad();
        return Predict(h, oneHot);
    }

    /// <inheritdoc />
    public override Tensor TrainingLoss(Tensor h, Tensor oneHot, Tensor losses, Tensor trueGradients) =>
        DerivativeLoss.Compute(Predict(h, oneHot).unsqueeze(1), trueGradients.unsqueeze(1), DerivativeLossKind.SquaredL2);
}

/// <summary>
/// A critic C(h, y) ≈ L (Czarnecki et al. 2017, §4.3): the trunk, flattened, and a linear layer to one value. Its input
/// gradient ∂C/∂h is the synthetic gradient. Trained with the library's <see cref="SobolevLoss"/> against the true
/// (L_i, ∂L_i/∂h_i): with <c>derivativeWeight</c> 0 on the values only (a regular critic), otherwise also on the
/// gradients with that weight λ (a Sobolev critic; squared L2, full Jacobian, which for one output is one backward pass).
/// The value target is always the true L (a forward signal, available at every cut after the delay); the gradient target
/// is the true ∂L/∂h at the highest cut and the bootstrapped one below it, as for <see cref="SyntheticGradientModule"/>.
/// </summary>
public sealed class Critic : GradientPredictor
{
    private readonly SobolevLoss _loss;

    /// <summary>Creates a critic; <paramref name="derivativeWeight"/> 0 makes it a regular critic.</summary>
    public Critic(long[] cutShape, int classes, int channels, double derivativeWeight, long seed, Device device, ScalarType dtype = ScalarType.Float32)
        : base(cutShape, classes, channels, nn.Sequential(("flatten", nn.Flatten()), ("value", nn.Linear(channels * cutShape[1] * cutShape[2], 1))), seed, device, dtype)
    {
        _loss = new SobolevLoss(derivativeWeight);
    }

    /// <summary>The predicted losses <c>[B, 1]</c>.</summary>
    public Tensor Value(Tensor h, Tensor oneHot) => Network.forward(Input(h, oneHot));

    /// <inheritdoc />
    public override Tensor Synthetic(Tensor h, Tensor oneHot)
    {
        using var _ = enable_grad();
        using var input = h.detach().requires_grad_(true);
        return InputDerivatives.Jacobian(Value(input, oneHot), input, createGraph: false).squeeze(1).detach();
    }

    /// <inheritdoc />
    public override Tensor TrainingLoss(Tensor h, Tensor oneHot, Tensor losses, Tensor trueGradients) =>
        _loss.Compute(x => Value(x, oneHot), h, losses.unsqueeze(1), trueGradients.unsqueeze(1)).Total;
}
