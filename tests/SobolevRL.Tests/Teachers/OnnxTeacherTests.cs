using SobolevRL.Envs.Core;
using SobolevRL.Envs.Registry;
using SobolevRL.Onnx;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SobolevRL.Tests.Teachers;

public sealed class OnnxTeacherTests : IDisposable
{
    readonly TeacherFixtures _fx = new();

    public void Dispose() => _fx.Dispose();

    (string Path, nn.Module<Tensor, Tensor> Net, long[] Shape, int Actions) SmoothTeacher(ModelCard? card = null, string name = "smooth")
    {
        var (shape, actions) = TeacherFixtures.EnvSpaces();
        long[] obs = shape.Select(d => (long)d).ToArray();
        var net = TeacherFixtures.SmoothNet(shape[0], actions);
        string path = _fx.Export(net, obs, name, card ?? new ModelCard { Env = TeacherFixtures.Env, Actions = actions });
        return (path, net, obs, actions);
    }

    [Fact]
    public void LogitsEqualOrtPolicyOnRealMinAtarStates()
    {
        var (path, _, obs, actions) = SmoothTeacher();
        using OnnxTeacher teacher = TeacherLoader.Load(path, CPU);
        byte[] states = TeacherFixtures.EnvStates(40);
        using var ort = new OrtPolicy(path, 40);
        float[] expected = ort.Run(states, 40, 1f).ToArray();
        using Tensor x = tensor(states, [40, .. obs]).to(ScalarType.Float32);
        using Tensor logits = teacher.Logits(x);
        float[] got = logits.data<float>().ToArray();
        double scale = expected.Max(Math.Abs);
        Assert.All(got.Zip(expected), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-5 * scale, $"{p.First} vs {p.Second}"));
        Assert.Contains(states, b => b != 0);
        using TeacherActor actor = teacher.CreateActor(40);
        Assert.Equal(expected, actor.Logits(states, 40).ToArray());
        Assert.Equal(actions, teacher.Actions);
    }

    [Fact]
    public void GradientLabelsEqualModuleLabelerAndFiniteDifferences()
    {
        var (path, net, obs, actions) = SmoothTeacher(new ModelCard { Actions = 0, Temperature = 0.7, Input = new ModelInput { Scale = 0.5 } });
        using OnnxTeacher teacher = TeacherLoader.Load(path, CPU);
        var module = new ModulePolicy(net, obs, actions, inputScale: 0.5, temperature: 0.7);
        byte[] bytes = TeacherFixtures.EnvStates(6, seed: 3);
        using Tensor x = tensor(bytes, [6, .. obs]).to(ScalarType.Float32);
        using TeacherLabels onnx = Labeler.Label(teacher, x, LabelMode.Full);
        using TeacherLabels reference = Labeler.Label(module, x, LabelMode.Full);
        Assert.True(allclose(onnx.GradLabels!, reference.GradLabels!, rtol: 1e-5, atol: 1e-7), "Jacobian differs from the module's");
        Assert.True(allclose(onnx.LogPolicy, reference.LogPolicy, rtol: 1e-6, atol: 1e-6));

        // Central differences in float32 with h = 1e-2: truncation ~h²·|ℓ'''|/6 ≈ 1e-5 and rounding ~ε·|ℓ|/h ≈ 1e-5 for this
        // tanh net, so 2e-4 absolute (plus 1% relative) separates a correct Jacobian from a wrong one by orders of magnitude.
        const double h = 1e-2;
        var flat = x.reshape(6, -1);
        var jac = onnx.GradLabels!.reshape(6, actions, -1);
        using var noGrad = no_grad();
        for (int i = 0; i < flat.shape[1]; i += 37)
        {
            var e = zeros_like(flat);
            e[TensorIndex.Colon, i] = h;
            var lp = F.log_softmax(teacher.Logits((flat + e).reshape(x.shape)) / 0.7, -1);
            var lm = F.log_softmax(teacher.Logits((flat - e).reshape(x.shape)) / 0.7, -1);
            var fd = (lp - lm) / (2 * h);
            var analytic = jac[TensorIndex.Colon, TensorIndex.Colon, i];
            double err = (fd - analytic).abs().max().item<float>();
            Assert.True(err <= 2e-4 + 1e-2 * analytic.abs().max().item<float>(), $"input {i}: max error {err}");
        }
    }

    [Fact]
    public void CheckPassesOnRandomAndEnvironmentStates()
    {
        var (path, _, _, _) = SmoothTeacher();
        using OnnxTeacher teacher = TeacherLoader.Load(path, CPU);
        using TeacherActor actor = teacher.CreateActor(16);
        float[] states = TeacherFixtures.EnvStates(16).Select(b => (float)b).ToArray();
        OutputAgreement outputs = TeacherCheck.CompareOutputs(teacher, actor, states, "env");
        GradientAgreement gradients = TeacherCheck.CompareGradients(teacher, actor, states, "env", seed: 1);
        Assert.True(outputs.Passed, outputs.ToString());
        Assert.True(gradients.Passed, gradients.ToString());
        Assert.True(gradients.MaxRelError < 1e-2, gradients.ToString());
    }

    [Fact]
    public void OutputKindsBecomeLogitsOfTheSamePolicy()
    {
        var (shape, actions) = TeacherFixtures.EnvSpaces();
        long[] obs = shape.Select(d => (long)d).ToArray();
        byte[] bytes = TeacherFixtures.EnvStates(8, seed: 2);
        using Tensor x = tensor(bytes, [8, .. obs]).to(ScalarType.Float32);
        var baseNet = TeacherFixtures.SmoothNet(shape[0], actions);
        using Tensor z = baseNet.forward(x).detach();
        var kinds = new (PolicyOutputKind Kind, nn.Module<Tensor, Tensor> Net, double Temperature)[]
        {
            (PolicyOutputKind.Logits, baseNet, 2.0),
            (PolicyOutputKind.QValues, baseNet, 0.5),
            (PolicyOutputKind.Probabilities, nn.Sequential(baseNet, nn.Softmax(1)), 1.0),
            (PolicyOutputKind.LogProbabilities, nn.Sequential(baseNet, nn.LogSoftmax(1)), 1.0),
        };
        foreach (var (kind, net, tau) in kinds)
        {
            string path = _fx.Export(net, obs, kind.ToString(), new ModelCard { OutputKind = kind, Temperature = tau });
            using OnnxTeacher teacher = TeacherLoader.Load(path, CPU);
            using TeacherLabels labels = Labeler.Label(teacher, x, LabelMode.None);
            using Tensor expected = F.log_softmax(z / tau, -1);
            Assert.True(allclose(labels.LogPolicy, expected, rtol: 1e-5, atol: 1e-5), $"{kind}: {(labels.LogPolicy - expected).abs().max().item<float>()}");
        }
    }

    [Fact]
    public void NhwcLayoutPermutesObservations()
    {
        torch.manual_seed(1);
        var net = nn.Sequential(nn.Flatten(), nn.Linear(400, 3));
        string path = _fx.Export(net, [10, 10, 4], "nhwc", new ModelCard { Input = new ModelInput { Layout = InputLayout.Nhwc } });
        using OnnxTeacher teacher = TeacherLoader.Load(path, CPU);
        Assert.Equal([4L, 10, 10], teacher.ObservationShape);
        using Tensor x = rand(5, 4, 10, 10);
        using Tensor logits = teacher.Logits(x);
        using Tensor expected = net.forward(x.permute(0, 2, 3, 1));
        Assert.True(allclose(logits, expected, rtol: 1e-5, atol: 1e-6));
        using TeacherActor actor = teacher.CreateActor(5);
        using Tensor ort = tensor(actor.Logits(x.data<float>().ToArray(), 5).ToArray(), [5, 3]);
        Assert.True(allclose(ort, expected, rtol: 1e-5, atol: 1e-6));
        // Read as NCHW, the same model takes [10, 10, 4] observations: the check against a 4×10×10 environment says why.
        using OnnxTeacher wrong = TeacherLoader.Load(path, CPU, new TeacherOverrides { InputLayout = InputLayout.Nchw });
        string message = Assert.Throws<UserErrorException>(() => TeacherCompatibility.Check(wrong.ObservationShape, 3, [4, 10, 10], 3, "grid", wrong.Path)).Message;
        Assert.Contains("takes observations [10, 10, 4] but grid gives [4, 10, 10] (the teacher looks NHWC, channels last: give `input_layout` nhwc", message);
    }

    [Fact]
    public void CardRoundTripsAndContradictionsAreClearErrors()
    {
        var card = new ModelCard
        {
            Env = TeacherFixtures.Env,
            Architecture = "tanh conv",
            PolicyOutput = "logits",
            OutputKind = PolicyOutputKind.QValues,
            Temperature = 0.25,
            Actions = 3,
            Input = new ModelInput { Scale = 0.5, Shape = [4, 10, 10] },
            Training = new TrainingRecord { Algorithm = "dqn", Frames = 10 },
        };
        string cardPath = Path.Combine(_fx.Dir, "c.card.json");
        card.Write(cardPath);
        ModelCard back = ModelCard.Read(cardPath);
        Assert.Equal(card with { Input = back.Input }, back);
        Assert.Equal(card.Input.Shape, back.Input.Shape);

        var (shape, actions) = TeacherFixtures.EnvSpaces();
        var (path, _, _, _) = SmoothTeacher();
        string Error(TeacherOverrides o) => Assert.Throws<UserErrorException>(() => TeacherLoader.Load(path, CPU, o).Dispose()).Message;
        Assert.Contains("policy output 'probs' not found", Error(new TeacherOverrides { PolicyOutput = "probs" }));
        Assert.Contains("index 3 is out of range", Error(new TeacherOverrides { PolicyOutput = "3" }));
        Assert.Contains("temperature 0", Error(new TeacherOverrides { Temperature = 0 }));
        new ModelCard { Actions = actions + 2 }.Write(ModelCard.PathFor(path));
        Assert.Contains($"says {actions + 2} actions but policy output", Error(TeacherOverrides.None));
        new ModelCard { Input = new ModelInput { Dtype = "uint8" } }.Write(ModelCard.PathFor(path));
        Assert.Contains("input dtype uint8 but input 'obs' is float", Error(TeacherOverrides.None));
        new ModelCard { Input = new ModelInput { Shape = [shape[0], 12, 12] } }.Write(ModelCard.PathFor(path));
        Assert.Contains("does not match input obs", Error(TeacherOverrides.None));
        File.WriteAllText(ModelCard.PathFor(path), """{"actions": 3, "colour": "red"}""");
        Assert.Contains("is not valid", Error(TeacherOverrides.None));
    }

    [Fact]
    public void CompatibilityNamesBothSpaces()
    {
        torch.manual_seed(1);
        string path = _fx.Export(nn.Sequential(nn.Flatten(), nn.Linear(4 * 84 * 84, 5)), [4, 84, 84], "atari");
        using OnnxTeacher teacher = TeacherLoader.Load(path, CPU);
        using IEnv env = EnvRegistry.CreateDefault().Make(TeacherFixtures.Env, new EnvOptions());
        string message = Assert.Throws<UserErrorException>(() => TeacherCompatibility.Check(teacher, env)).Message;
        Assert.Contains("[4, 84, 84]", message);
        Assert.Contains($"[{string.Join(", ", env.ObservationSpace.Shape)}]", message);
        var shape = env.ObservationSpace.Shape.Select(d => (long)d).ToArray();
        message = Assert.Throws<UserErrorException>(() => TeacherCompatibility.Check(shape, 5, env.ObservationSpace.Shape, env.ActionSpace.N, env.Id, "t")).Message;
        Assert.Contains($"5 actions but {env.Id} has {env.ActionSpace.N}", message);
    }

    [Fact]
    public void NonFiniteLabelsNameTheStates()
    {
        var (path, _, obs, _) = SmoothTeacher();
        using OnnxTeacher teacher = TeacherLoader.Load(path, CPU);
        float[] states = new float[5 * 100 * (int)obs[0]];
        states[3 * 100 * (int)obs[0] + 7] = float.NaN;
        var array = SobolevRL.IO.NpyArray.FromFloats(states, [5, .. obs]);
        string message = Assert.Throws<UserErrorException>(() => StateLabelling.Label(teacher, array, LabelMode.Vjp(1), 0, 2, "s.npy")).Message;
        Assert.Contains("for states 3;", message);
    }
}
