using SobolevRL.Policies;
using TorchSharp;
using static TorchSharp.torch;
using SobolevRL.Hardware;

namespace SobolevRL.Bench;

/// <summary>
/// The label workloads of the PyTorch peer (tests/benchmarks/peer/torch_reference.py): the teacher network, its input scale and the batch
/// of 64 states, defined exactly as there.
/// </summary>
/// <param name="Name"><c>nature</c> or <c>minatar</c>.</param>
/// <param name="ObservationShape">One state, CHW.</param>
/// <param name="InputScale">Multiplier applied inside the teacher (1/255 for nature, 1 for minatar).</param>
public sealed record LabelWorkload(string Name, long[] ObservationShape, double InputScale)
{
    /// <summary>Actions of both workloads.</summary>
    public const int Actions = 6;

    /// <summary>States per label call.</summary>
    public const int Batch = 64;

    /// <summary>Parses <c>nature</c> or <c>minatar</c>.</summary>
    public static LabelWorkload Parse(string name) => name switch
    {
        "nature" => new LabelWorkload("nature", [4, 84, 84], 1.0 / 255.0),
        "minatar" => new LabelWorkload("minatar", [4, 10, 10], 1.0),
        _ => throw new UserErrorException($"workload '{name}' is not nature or minatar"),
    };

    /// <summary>The teacher network (Nature CNN, or MinAtar conv16/fc128), seeded.</summary>
    public nn.Module<Tensor, Tensor> Teacher(long seed = 0)
    {
        torch.manual_seed(seed);
        return Name == "nature" ? PolicyNetworks.NatureCnn(Actions) : PolicyNetworks.MinAtarCnn(4, Actions, 16, 128);
    }

    /// <summary>The states: integers 0..255 as float (nature) or 0/1 cells with P(1) = 0.2 (minatar).</summary>
    public Tensor States(Generator generator)
    {
        long[] shape = [Batch, .. ObservationShape];
        return Name == "nature"
            ? randint(0, 256, shape, generator: generator).to(ScalarType.Float32)
            : rand(shape, generator: generator).GreaterThan(0.8).to(ScalarType.Float32);
    }
}
