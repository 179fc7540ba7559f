using SobolevRL.Envs.Core;
using SobolevRL.Envs.Registry;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Teachers;

/// <summary>The gradient check on ReLU teachers: kinks on the finite-difference segment are detected and avoided, and a wrong gradient still fails.</summary>
[Collection(TorchGlobalState.Name)]
public sealed class KinkAwareCheckTests : IDisposable
{
    readonly TeacherFixtures _fx = new();

    public void Dispose() => _fx.Dispose();

    static float[] Floats(byte[] bytes) => bytes.Select(b => (float)b).ToArray();

    [Theory]
    [InlineData("breakout")]
    [InlineData("spaceinvaders")]
    [InlineData("asterix")]
    public void ShippedReluTeachersPassWithKinksDetected(string game)
    {
        string path = RepoFile($"agents/minatar/{game}/policy.onnx");
        Assert.True(File.Exists(path), path);
        using OnnxTeacher teacher = TeacherLoader.Load(path, CPU);
        Assert.True(ActivationPattern.HasKinks(teacher));
        using IEnv env = EnvRegistry.CreateDefault().Make(teacher.Card.Env, new EnvOptions());
        float[] states = Floats(RandomRolloutStates.Collect(env, 16, seed: 4));
        using TeacherActor actor = teacher.CreateActor(16);
        GradientAgreement gradients = TeacherCheck.CompareGradients(teacher, actor, states, "env", seed: 4);
        Assert.True(gradients.Passed, gradients.ToString());
        Assert.True(gradients.Kinked > 0, "no kink on any segment: the ReLU case is not exercised");
        Assert.True(gradients.OneSided >= 12, gradients.ToString());
    }

    [Fact]
    public void WrongGradientOfAReluNetFails()
    {
        var (shape, actions) = TeacherFixtures.EnvSpaces();
        long[] obs = shape.Select(d => (long)d).ToArray();
        torch.manual_seed(11);
        var net = PolicyNetworks.MinAtarCnn(shape[0], actions);
        string path = _fx.Export(net, obs, "relu");
        // The same network with fc1 scaled by 1.05 acts in ONNX Runtime: its finite differences differ from the original's
        // gradient labels by a few percent, like a subtly wrong graph would.
        using (no_grad())
        {
            var fc1 = (TorchSharp.Modules.Linear)net.named_children().First(c => c.name == "fc1").module;
            fc1.weight!.mul_(1.05);
        }
        string perturbed = _fx.Export(net, obs, "relu-perturbed");
        using OnnxTeacher teacher = TeacherLoader.Load(path, CPU);
        using OnnxTeacher wrong = TeacherLoader.Load(perturbed, CPU);
        float[] states = Floats(TeacherFixtures.EnvStates(16, seed: 5));
        using TeacherActor right = teacher.CreateActor(16);
        using TeacherActor wrongActor = wrong.CreateActor(16);
        GradientAgreement pass = TeacherCheck.CompareGradients(teacher, right, states, "env", seed: 2);
        GradientAgreement fail = TeacherCheck.CompareGradients(teacher, wrongActor, states, "env", seed: 2);
        Assert.True(pass.Passed, pass.ToString());
        Assert.True(pass.Kinked > 0, pass.ToString());
        Assert.True(pass.MaxErrorOverTolerance < 0.1, pass.ToString()); // measured 0.002
        Assert.False(fail.Passed, fail.ToString()); // measured 2.0
        Assert.True(fail.MaxRelError > 0.02, fail.ToString());
    }

    [Fact]
    public void SmoothNetsKeepTheCentralDifferenceCheck()
    {
        var (shape, actions) = TeacherFixtures.EnvSpaces();
        long[] obs = shape.Select(d => (long)d).ToArray();
        string path = _fx.Export(TeacherFixtures.SmoothNet(shape[0], actions), obs, "smooth");
        using OnnxTeacher teacher = TeacherLoader.Load(path, CPU);
        Assert.False(ActivationPattern.HasKinks(teacher));
        using TeacherActor actor = teacher.CreateActor(8);
        GradientAgreement gradients = TeacherCheck.CompareGradients(teacher, actor, Floats(TeacherFixtures.EnvStates(8)), "env", seed: 1);
        Assert.True(gradients.Passed, gradients.ToString());
        Assert.Equal(0, gradients.Kinked);
    }

    [Fact]
    public void PatternSeesReluSignChangesAndMaxPoolSelection()
    {
        torch.manual_seed(3);
        var net = nn.Sequential(nn.Conv2d(4, 2, 3), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(2 * 4 * 4, 3), nn.ReLU(), nn.Linear(3, 3));
        string path = _fx.Export(net, [4, 10, 10], "pool");
        using OnnxTeacher teacher = TeacherLoader.Load(path, CPU);
        Assert.True(ActivationPattern.HasKinks(teacher));
        using var generator = new Generator(9);
        float[] x = rand([2, 4, 10, 10], generator: generator).data<float>().ToArray();
        ActivationPattern at = ActivationPattern.Of(teacher, x, 2);
        Assert.Equal([true, true], at.SameAs(ActivationPattern.Of(teacher, x, 2)));
        Assert.Equal([true, true], at.SameAs(ActivationPattern.Of(teacher, x.Select(v => v + 1e-7f).ToArray(), 2)));
        // Move only the second state far: its pooled maxima and ReLU signs change, the first state's do not.
        float[] moved = (float[])x.Clone();
        for (int i = 400; i < 800; i++) moved[i] = 1 - moved[i];
        Assert.Equal([true, false], at.SameAs(ActivationPattern.Of(teacher, moved, 2)));
        Assert.Equal([true], at.SameAs(ActivationPattern.Of(teacher, x.AsSpan(400, 400), 1), [1]));
    }
}
