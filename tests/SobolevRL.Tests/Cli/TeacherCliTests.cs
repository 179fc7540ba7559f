using SobolevRL.IO;
using SobolevRL.Onnx;
using SobolevRL.Tests.IO;
using SobolevRL.Tests.Teachers;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Cli;

[Trait("speed", "slow")] // starts the CLI or trains for seconds: left out of the fast subset (make test-fast)
public sealed class TeacherCliTests : IDisposable
{
    readonly TeacherFixtures _fx = new();
    readonly long[] _obs;
    readonly int _actions;
    readonly nn.Module<Tensor, Tensor> _net;
    readonly string _teacher;

    public TeacherCliTests()
    {
        var (shape, actions) = TeacherFixtures.EnvSpaces();
        _obs = shape.Select(d => (long)d).ToArray();
        _actions = actions;
        _net = TeacherFixtures.SmoothNet(shape[0], actions);
        _teacher = _fx.Export(_net, _obs, "teacher", new ModelCard { Env = TeacherFixtures.Env, Actions = actions, Architecture = "tanh conv" });
    }

    public void Dispose() => _fx.Dispose();

    string PathOf(string name) => Path.Combine(_fx.Dir, name);

    static JsonElement Json(string stdout) => JsonDocument.Parse(stdout).RootElement;

    static string UserError(params string[] args)
    {
        var (code, stdout, stderr) = CliProcess.Run(args);
        Assert.True(code == 2, $"exit {code}; stdout: {stdout}; stderr: {stderr}");
        Assert.StartsWith("error: ", stderr);
        Assert.DoesNotContain("   at ", stderr);
        return stderr;
    }

    [Fact]
    public void InspectShowsSignatureOpsParametersAndCard()
    {
        var (code, stdout, stderr) = CliProcess.Run("teacher", "inspect", _teacher, "--json");
        Assert.True(code == 0, stderr);
        JsonElement r = Json(stdout);
        Assert.Equal(["batch", .. _obs.Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture))],
            r.GetProperty("inputs")[0].GetProperty("shape").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.Equal(1, r.GetProperty("ops").GetProperty("Conv").GetInt32());
        Assert.Equal(2, r.GetProperty("ops").GetProperty("Gemm").GetInt32());
        Assert.Equal(PolicyNetworks.ParameterCount(_net), r.GetProperty("parameters").GetInt64());
        JsonElement card = r.GetProperty("card");
        Assert.Equal(_actions, card.GetProperty("actions").GetInt32());
        Assert.Equal(TeacherFixtures.Env, card.GetProperty("env").GetString());
        Assert.EndsWith(".card.json", card.GetProperty("source").GetString());
    }

    [Fact]
    public void CheckPassesOnRandomAndEnvironmentStates()
    {
        var (code, stdout, stderr) = CliProcess.Run("teacher", "check", _teacher, "--states", "16", "--json");
        Assert.True(code == 0, stdout + stderr);
        JsonElement r = Json(stdout);
        Assert.True(r.GetProperty("passed").GetBoolean());
        Assert.Equal(["random", "env " + TeacherFixtures.Env], r.GetProperty("outputs").EnumerateArray().Select(o => o.GetProperty("states").GetString()!).ToArray());
        foreach (JsonElement g in r.GetProperty("gradients").EnumerateArray())
            Assert.InRange(g.GetProperty("max_error_over_tolerance").GetDouble(), 0, 1);
    }

    [Fact]
    public void CheckPassesOnAShippedReluTeacherAndCountsItsKinks()
    {
        string shipped = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "..", "agents", "minatar", "breakout", "policy.onnx"));
        Assert.True(File.Exists(shipped), shipped);
        var (code, stdout, stderr) = CliProcess.Run("teacher", "check", shipped, "--states", "16", "--json");
        Assert.True(code == 0, stdout + stderr);
        foreach (JsonElement g in Json(stdout).GetProperty("gradients").EnumerateArray())
        {
            Assert.True(g.GetProperty("kinked").GetInt32() > 0, g.ToString());
            Assert.Equal(g.GetProperty("kinked").GetInt32(), g.GetProperty("one_sided").GetInt32() + g.GetProperty("unresolved").GetInt32());
            Assert.True(g.GetProperty("jitter").GetDouble() > 0, g.ToString());
        }
    }

    [Fact]
    public void LabelWritesLabelsEqualToTheModuleLabelerAndReadableByNumpy()
    {
        int n = 7;
        byte[] states = TeacherFixtures.EnvStates(n, seed: 4);
        NpyFile.Write(PathOf("s.npy"), NpyArray.FromBytes(states, [n, .. _obs]));
        var (code, stdout, stderr) = CliProcess.Run("teacher", "label", _teacher, "--states", PathOf("s.npy"), "--out", PathOf("full.npz"), "--jacobian", "full", "--batch", "3", "--json");
        // Batches of 3, 3 and 1: a batch of one state went through libtorch's faulty oneDNN kernels before the
        // workaround (Hardware/OneDnnConvolutionWorkaround), giving a wrong Jacobian for the last state.
        Assert.True(code == 0, stderr);
        Assert.Equal(n, Json(stdout).GetProperty("states").GetInt32());
        (code, _, stderr) = CliProcess.Run("teacher", "label", _teacher, "--states", PathOf("s.npy"), "--out", PathOf("vjp.npz"), "--jacobian", "vjp:2", "--seed", "3");
        Assert.True(code == 0, stderr);

        var full = NpzFile.Read(PathOf("full.npz"));
        var module = new ModulePolicy(_net, _obs, _actions);
        using Tensor x = tensor(states, [n, .. _obs]).to(ScalarType.Float32);
        using TeacherLabels reference = Labeler.Label(module, x, LabelMode.Full);
        using Tensor jac = tensor(full["jac"].As<float>().ToArray(), full["jac"].Shape);
        double scale = reference.GradLabels!.abs().max().item<float>();
        Assert.True(allclose(jac, reference.GradLabels!, rtol: 1e-5, atol: 1e-6 * scale), $"max diff {(jac - reference.GradLabels!).abs().max().item<float>()} of max {scale}");
        using Tensor logp = tensor(full["logp"].As<float>().ToArray(), full["logp"].Shape);
        Assert.True(allclose(logp, reference.LogPolicy, rtol: 1e-5, atol: 1e-6));

        // vjp_k = Σ_a v_ka · ∂ℓ_a/∂x: the projections must be the Jacobian seen along v.
        var vjp = NpzFile.Read(PathOf("vjp.npz"));
        Assert.Equal([n, 2, _actions], vjp["v"].Shape);
        using Tensor v = tensor(vjp["v"].As<float>().ToArray(), vjp["v"].Shape);
        using Tensor g = tensor(vjp["vjp"].As<float>().ToArray(), vjp["vjp"].Shape);
        using Tensor projected = einsum("nka,nax->nkx", v, jac.reshape(n, _actions, -1)).reshape(g.shape);
        Assert.True(allclose(g, projected, rtol: 1e-4, atol: 1e-6));
        using Tensor norms = v.norm(2);
        Assert.True(allclose(norms, ones_like(norms), rtol: 1e-5, atol: 1e-6));

        if (Python.MissingReason() is null)
        {
            string shapes = Python.Check($$"""
                import numpy as np
                z = np.load(r"{{PathOf("vjp.npz")}}")
                print(sorted((k, z[k].shape, str(z[k].dtype)) for k in z.files))
                """);
            Assert.Contains($"('v', ({n}, 2, {_actions}), 'float32')", shapes);
            Assert.Contains($"('vjp', ({n}, 2, {string.Join(", ", _obs)}), 'float32')", shapes);
        }
    }

    [Fact]
    public void BadFilesAreOneLineErrors()
    {
        File.WriteAllText(PathOf("text.onnx"), "this is not a model");
        Assert.Contains("not a readable ONNX model", UserError("teacher", "inspect", PathOf("text.onnx")));
        byte[] bytes = File.ReadAllBytes(_teacher);
        File.WriteAllBytes(PathOf("cut.onnx"), bytes[..(bytes.Length / 2)]);
        Assert.Contains("truncated", UserError("teacher", "inspect", PathOf("cut.onnx")));
        var model = OnnxExporter.ToModel(_net, _obs);
        model.Graph.Node[1].OpType = "FancyActivation";
        OnnxModelFile.Write(model, PathOf("fancy.onnx"));
        Assert.Contains("FancyActivation", UserError("teacher", "check", PathOf("fancy.onnx")));
        Assert.Contains("not found", UserError("teacher", "inspect", PathOf("missing.onnx")));
    }

    [Fact]
    public void CardAndEnvironmentMismatchesAreOneLineErrors()
    {
        Assert.Contains("policy output 'probs' not found", UserError("teacher", "inspect", _teacher, "--policy-output", "probs"));
        Assert.Contains("--output-kind odds", UserError("teacher", "inspect", _teacher, "--output-kind", "odds"));
        string wrongActions = _fx.Export(_net, _obs, "nine", new ModelCard { Actions = 9 });
        Assert.Contains($"says 9 actions but policy output", UserError("teacher", "inspect", wrongActions));
        string wrongDtype = _fx.Export(_net, _obs, "bytes", new ModelCard { Input = new ModelInput { Dtype = "uint8" } });
        Assert.Contains("input dtype uint8", UserError("teacher", "inspect", wrongDtype));
        torch.manual_seed(2);
        string atari = _fx.Export(nn.Sequential(nn.Flatten(), nn.Linear(2 * 84 * 84, 4)), [2, 84, 84], "atari");
        string message = UserError("teacher", "check", atari, "--env", TeacherFixtures.Env);
        Assert.Contains("[2, 84, 84]", message);
        Assert.Contains($"[{string.Join(", ", _obs)}]", message);
    }

    [Fact]
    public void BadStatesAreOneLineErrors()
    {
        NpyFile.Write(PathOf("wrong.npy"), NpyArray.FromFloats(new float[2 * 3 * 5 * 5], 2, 3, 5, 5));
        Assert.Contains("have shape [2, 3, 5, 5]", UserError("teacher", "label", _teacher, "--states", PathOf("wrong.npy"), "--out", PathOf("o.npz")));
        int size = (int)_obs.Aggregate(1L, (a, d) => a * d);
        var values = new float[4 * size];
        values[2 * size + 5] = float.NaN;
        NpyFile.Write(PathOf("inf.npy"), NpyArray.FromFloats(values, [4, .. _obs]));
        string message = UserError("teacher", "label", _teacher, "--states", PathOf("inf.npy"), "--out", PathOf("o.npz"), "--batch", "2");
        Assert.Contains("NaN or infinite labels", message);
        Assert.Contains("states 2;", message);
        Assert.False(File.Exists(PathOf("o.npz")));
        Assert.Contains("vjp:K", UserError("teacher", "label", _teacher, "--states", PathOf("inf.npy"), "--out", PathOf("o.npz"), "--jacobian", "half"));
    }
}
