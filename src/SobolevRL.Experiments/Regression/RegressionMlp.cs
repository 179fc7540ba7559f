using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using SobolevRL.Hardware;

namespace SobolevRL.Regression;

/// <summary>The paper's regression model: MLP 2 → hidden → hidden → 1 with ReLU activations.</summary>
public sealed class RegressionMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear _input;
    private readonly Linear _hidden;
    private readonly Linear _output;

    /// <summary>
    /// Creates the layers on <paramref name="device"/>, initialised from <paramref name="seed"/> alone
    /// (not torch's global generator), so models can be built on several threads reproducibly.
    /// </summary>
    public RegressionMlp(int hidden, Device device, long seed)
        : base(nameof(RegressionMlp))
    {
        _input = nn.Linear(2, hidden, device: device);
        _hidden = nn.Linear(hidden, hidden, device: device);
        _output = nn.Linear(hidden, 1, device: device);
        RegisterComponents();
        using var generator = new Generator((ulong)seed);
        foreach (var layer in new[] { _input, _hidden, _output })
        {
            Initialise(layer, generator);
        }
    }

    /// <summary>Maps inputs <c>[N, 2]</c> to outputs <c>[N, 1]</c>.</summary>
    public override Tensor forward(Tensor input) =>
        _output.forward(nn.functional.relu(_hidden.forward(nn.functional.relu(_input.forward(input)))));

    // torch's default for Linear: weights and biases uniform in ±1/√fan_in.
    private static void Initialise(Linear layer, Generator generator)
    {
        using var _ = no_grad();
        var bound = 1.0 / Math.Sqrt(layer.in_features);
        foreach (var parameter in new[] { layer.weight!, layer.bias! })
        {
            using var unit = rand(parameter.shape, dtype: parameter.dtype, generator: generator);
            using var values = unit.Times(2 * bound).Minus(bound);
            parameter.copy_(values);
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _input.Dispose();
            _hidden.Dispose();
            _output.Dispose();
        }

        base.Dispose(disposing);
    }
}
