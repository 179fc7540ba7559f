using SobolevRL.Policies;
using SobolevRL.Replay;
using SobolevRL.Teachers;
using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Bench;

/// <summary>
/// The training workloads of the PyTorch peer (tests/benchmarks/peer/torch_reference.py): the peer's teacher labels its 64 states with
/// logits and one VJP each (a random unit vector v in action space), and a student (Nature CNN at half width, or the
/// MinAtar CNN conv8/fc64) trains on the first 32 with KL(teacher ‖ student) at temperature 1, plus λ times the squared
/// error of its own VJP with the same v for the Sobolev step.
/// </summary>
/// <param name="Label">The teacher, input scale and states (shared with <c>bench label</c>).</param>
public sealed record TrainWorkload(LabelWorkload Label)
{
    /// <summary>States per training step.</summary>
    public const int Batch = 32;

    /// <summary>Parses <c>nature</c> or <c>minatar</c>.</summary>
    public static TrainWorkload Parse(string name) => new(LabelWorkload.Parse(name));

    /// <summary>Workload name.</summary>
    public string Name => Label.Name;

    /// <summary>The student network, seeded: Nature CNN at width 0.5 (16, 32, 32 filters, fc256) or MinAtar conv8/fc64.</summary>
    public nn.Module<Tensor, Tensor> Student(long seed = 1)
    {
        torch.manual_seed(seed);
        return Name == "nature"
            ? PolicyNetworks.NatureCnn(LabelWorkload.Actions, width: 0.5)
            : PolicyNetworks.MinAtarCnn(4, LabelWorkload.Actions, 8, 64);
    }

    /// <summary>The student as a policy on <paramref name="device"/> (input scale applied inside, as the peer's <c>student(x * scale)</c>).</summary>
    public ModulePolicy StudentPolicy(Device device, long seed = 1) =>
        new(Student(seed).to(device), Label.ObservationShape, LabelWorkload.Actions, Label.InputScale);

    /// <summary>
    /// The labelled batch of one step: the teacher's logits and vjp:1 labels (<see cref="Labeler"/>) on the workload's
    /// 64 states, first <see cref="Batch"/> rows, on <paramref name="device"/>.
    /// </summary>
    public ReplayBatch LabelledBatch(Device device)
    {
        using var scope = NewDisposeScope();
        using var teacher = new ModulePolicy(Label.Teacher().to(device), Label.ObservationShape, LabelWorkload.Actions, Label.InputScale);
        using var generator = new Generator(0);
        using var projections = new Generator(1);
        var states = Label.States(generator).to(device);
        using var labels = Labeler.Label(teacher, states, LabelMode.Vjp(1), projections);
        Tensor First(Tensor t) => t.narrow(0, 0, Batch).detach().clone().MoveToOuterDisposeScope();
        return new ReplayBatch(First(states), First(labels.Logits), First(labels.Logits.argmax(-1)),
            First(labels.GradLabels!), First(labels.Projections!));
    }
}
