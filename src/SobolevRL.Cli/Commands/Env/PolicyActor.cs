using SobolevRL.Envs.Core;
using SobolevRL.Envs.Play;
using SobolevRL.Teachers;

namespace SobolevRL.Cli.Commands.Env;

/// <summary>Turns a <c>--policy</c> value into something that picks actions from observations.</summary>
public sealed class PolicyActor : IDisposable
{
    private readonly Func<ReadOnlySpan<byte>, int> _act;
    private readonly IDisposable? _owned;

    private PolicyActor(Func<ReadOnlySpan<byte>, int> act, IDisposable? owned)
    {
        _act = act;
        _owned = owned;
    }

    /// <summary>Picks the action for <paramref name="observation"/>.</summary>
    public int Act(ReadOnlySpan<byte> observation) => _act(observation);

    /// <summary>Makes the actor for <paramref name="policy"/> (<c>random</c>, or an ONNX file acting greedily through ONNX Runtime) in <paramref name="env"/>.</summary>
    public static PolicyActor Create(string policy, IEnv env, long seed)
    {
        if (policy == "random") return new PolicyActor(RandomPolicy.Create(env.ActionSpace, unchecked((int)seed)), null);
        if (!ModelCard.PolicyExists(policy)) throw new UserErrorException($"--policy {policy}: not 'random' and no such file; give random or the path of a policy .onnx file (FILE.onnx#GAME for one game of a multi-game student)");
        using var teacher = TeacherLoader.Load(policy, TorchSharp.torch.CPU);
        TeacherCompatibility.Check(teacher, env);
        var actor = teacher.CreateActor(1);
        return new PolicyActor(actor.Act, actor);
    }

    /// <inheritdoc />
    public void Dispose() => _owned?.Dispose();
}
