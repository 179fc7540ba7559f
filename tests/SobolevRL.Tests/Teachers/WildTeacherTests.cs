using SobolevRL.IO;
using SobolevRL.Tests.Onnx;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Teachers;

/// <summary>
/// Teachers as PyTorch 1.13 exports them (issue 19), from the fixtures of make_teacher_fixtures.py: labels and
/// ONNX Runtime acting against the PyTorch outputs, log-policies and autograd Jacobians stored beside each model.
/// </summary>
public sealed class WildTeacherTests : IDisposable
{
    readonly TeacherFixtures _fx = new();

    public void Dispose() => _fx.Dispose();

    /// <summary>The fixture copied into a temporary folder (so a card can be written beside it), with its reference arrays.</summary>
    (string Path, Dictionary<string, NpyArray> Reference) Fixture(string name, ModelCard? card = null)
    {
        string path = Path.Combine(_fx.Dir, name + ".onnx");
        File.Copy(OnnxFixtures.PathOf(name + ".onnx"), path, overwrite: true);
        if (card is not null) card.Write(ModelCard.PathFor(path));
        return (path, NpzFile.Read(OnnxFixtures.PathOf(name + ".ref.npz")));
    }

    static Tensor AsTensor(NpyArray array) => tensor(array.ToFloats(), array.Shape);

    /// <summary>Full labels of every reference state in one batch vs PyTorch, and ONNX Runtime logits vs PyTorch.</summary>
    static void LabelsMatchTorch(OnnxTeacher teacher, Dictionary<string, NpyArray> reference, double jacobianTolerance = 2e-5, double ortTolerance = 1e-5)
    {
        using var scope = NewDisposeScope();
        Tensor obs = AsTensor(reference["obs"]);
        Tensor logp = AsTensor(reference["logp"]);
        using TeacherLabels labels = Labeler.Label(teacher, obs, LabelMode.Full);
        TensorAssert.Close(logp, labels.LogPolicy.cpu(), 1e-5, 1e-5, $"{teacher.Path}: log-policy");
        TensorAssert.Close(AsTensor(reference["jac"]).flatten(), labels.GradLabels!.cpu().flatten(), 1e-4, jacobianTolerance, $"{teacher.Path}: Jacobian");

        int n = (int)obs.shape[0];
        using TeacherActor actor = teacher.CreateActor(n);
        float[] ortLogits = actor.Logits(reference["obs"].ToFloats(), n).ToArray();
        Tensor ortLogp = tensor(ortLogits, [n, teacher.Actions]).div(teacher.Temperature).log_softmax(1);
        TensorAssert.Close(logp, ortLogp, ortTolerance, ortTolerance, $"{teacher.Path}: ONNX Runtime log-policy");
    }

    [Theory]
    [InlineData("scalar_constants_op11")]
    [InlineData("scalar_constants_op17")]
    public void RankZeroConstantsOfShapeLoadAndLabelExactly(string name)
    {
        var (path, reference) = Fixture(name);
        using OnnxTeacher teacher = TeacherLoader.Load(path, CPU);
        Assert.True(teacher.Graph.Ops.ContainsKey("ConstantOfShape"));
        LabelsMatchTorch(teacher, reference);
    }

    [Fact]
    public void FixedBatchGraphLabelsAndActsAtAnyBatchOneStateAtATime()
    {
        var (path, reference) = Fixture("fixed_batch_cnn_op17");
        using OnnxTeacher teacher = TeacherLoader.Load(path, CPU);
        Assert.True(teacher.Signature.OneAtATime);
        LabelsMatchTorch(teacher, reference);
    }

    [Fact]
    public void FixedBatchGraphCheckPassesWithItsKinkPatterns()
    {
        var (path, reference) = Fixture("fixed_batch_cnn_op17");
        using OnnxTeacher teacher = TeacherLoader.Load(path, CPU);
        float[] states = reference["obs"].ToFloats();
        using TeacherActor actor = teacher.CreateActor(4);
        Assert.True(TeacherCheck.CompareOutputs(teacher, actor, states, "ref").Passed);
        GradientAgreement gradients = TeacherCheck.CompareGradients(teacher, actor, states, "ref", seed: 1);
        Assert.True(gradients.Passed, gradients.ToString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Uint8InputGraphActsThroughOnnxRuntimeAndLabelsThroughItsCast(bool cardSaysUint8)
    {
        var (path, reference) = Fixture("uint8_input_cnn_op17", cardSaysUint8 ? new ModelCard { Input = new ModelInput { Dtype = "uint8" } } : null);
        using OnnxTeacher teacher = TeacherLoader.Load(path, CPU);
        Assert.Equal("uint8", teacher.Card.Input.Dtype);
        LabelsMatchTorch(teacher, reference);

        // Acting on the environment's bytes, as collect and eval do.
        byte[] bytes = reference["obs"].ToFloats().Select(v => (byte)v).ToArray();
        using TeacherActor actor = teacher.CreateActor(4);
        float[] logits = actor.Logits(bytes, 4).ToArray();
        float[] expected = reference["out"].ToFloats();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], logits[i], 1e-4f);
    }

    [Fact]
    public void CardSayingFloat32OnAUint8GraphIsRefusedWithTheFix()
    {
        var (path, _) = Fixture("uint8_input_cnn_op17", new ModelCard { Input = new ModelInput { Dtype = "float32" } });
        var e = Assert.Throws<UserErrorException>(() => TeacherLoader.Load(path, CPU).Dispose());
        Assert.Contains("fix input.dtype", e.Message);
    }

    [Theory]
    [InlineData("softmax_head_cnn_op17", PolicyOutputKind.Probabilities, "Softmax")]
    [InlineData("log_softmax_head_cnn_op17", PolicyOutputKind.LogProbabilities, "LogSoftmax")]
    public void FinalSoftmaxWithoutACardIsReadAsWhatItIs(string name, PolicyOutputKind kind, string finalOp)
    {
        var (path, reference) = Fixture(name);
        using OnnxTeacher teacher = TeacherLoader.Load(path, CPU);
        Assert.Equal(kind, teacher.OutputKind);
        LabelsMatchTorch(teacher, reference);
        OutputKindAgreement check = TeacherCheck.CheckOutputKind(teacher, reference["obs"].ToFloats(), "ref");
        Assert.True(check.Passed, check.Problem);
        Assert.Equal(finalOp, check.FinalOp);
    }

    [Fact]
    public void CheckCatchesASoftmaxHeadDeclaredAsLogits()
    {
        var (path, reference) = Fixture("softmax_head_cnn_op17", new ModelCard { OutputKind = PolicyOutputKind.Logits });
        using OnnxTeacher teacher = TeacherLoader.Load(path, CPU);
        OutputKindAgreement check = TeacherCheck.CheckOutputKind(teacher, reference["obs"].ToFloats(), "ref");
        Assert.False(check.Passed);
        Assert.Equal("probabilities", check.Fix);
        Assert.Equal("logits", check.Kind);
    }

    [Fact]
    public void CheckCatchesLogitsDeclaredAsProbabilities()
    {
        var (path, reference) = Fixture("fixed_batch_cnn_op17", new ModelCard { OutputKind = PolicyOutputKind.Probabilities });
        using OnnxTeacher teacher = TeacherLoader.Load(path, CPU);
        Assert.False(TeacherCheck.CheckOutputKind(teacher, reference["obs"].ToFloats(), "ref").Passed);
    }

    [Fact]
    public void NhwcGraphLabelsExactlyWithItsLayout()
    {
        var (path, reference) = Fixture("nhwc_cnn_op17", new ModelCard { Input = new ModelInput { Layout = InputLayout.Nhwc } });
        using OnnxTeacher teacher = TeacherLoader.Load(path, CPU);
        Assert.Equal([2L, 10, 10], teacher.ObservationShape);
        LabelsMatchTorch(teacher, reference);
    }

    [Fact]
    public void NhwcGraphWithoutACardGetsTheLayoutFlagSuggested()
    {
        var (path, _) = Fixture("nhwc_cnn_op17");
        using OnnxTeacher teacher = TeacherLoader.Load(path, CPU);
        Assert.Equal([10L, 10, 2], teacher.ObservationShape);
        var e = Assert.Throws<UserErrorException>(() =>
            TeacherCompatibility.Check(teacher.ObservationShape, teacher.Actions, [2, 10, 10], teacher.Actions, "Grid-v0", path));
        Assert.Contains("`input_layout` nhwc", e.Message);
    }

    [Fact]
    public void CardErrorsNameFieldsAndValuesInTheCardsSpelling()
    {
        var (path, _) = Fixture("fixed_batch_cnn_op17");
        File.WriteAllText(ModelCard.PathFor(path), """{ "output_kind": "softmax" }""");
        var e = Assert.Throws<UserErrorException>(() => TeacherLoader.Load(path, CPU).Dispose());
        Assert.Contains("output_kind must be one of logits, q_values, probabilities, log_probabilities", e.Message);
        Assert.DoesNotContain("SobolevRL.Teachers.", e.Message);

        File.WriteAllText(ModelCard.PathFor(path), """{ "input": { "layout": "hwc" } }""");
        e = Assert.Throws<UserErrorException>(() => TeacherLoader.Load(path, CPU).Dispose());
        Assert.Contains("input.layout must be one of nchw, nhwc", e.Message);

        File.WriteAllText(ModelCard.PathFor(path), """{ "kind": "logits" }""");
        e = Assert.Throws<UserErrorException>(() => TeacherLoader.Load(path, CPU).Dispose());
        Assert.Contains("unknown field 'kind'", e.Message);
        Assert.Contains("output_kind", e.Message);
        Assert.DoesNotContain("SobolevRL.Teachers.", e.Message);
        // The section the errors point to exists.
        Assert.Contains("## Model cards", File.ReadAllText(RepoFiles.RepoFile("src/SobolevRL.Teachers/Teachers/README.md")));
    }

    [Fact]
    public void ExternalDataWeightsBesideTheGraphLoadAndActAsTheInlineModel()
    {
        // actor_critic_mlp_op17 re-saved by onnx.save_model(..., save_as_external_data=True) (README of the fixtures).
        string path = Path.Combine(_fx.Dir, "external.onnx");
        File.Copy(OnnxFixtures.PathOf("actor_critic_mlp_op17_external.onnx"), path);
        new ModelCard { PolicyOutput = "logits" }.Write(ModelCard.PathFor(path));
        var e = Assert.Throws<UserErrorException>(() => TeacherLoader.Load(path, CPU).Dispose());
        Assert.Contains("actor_critic_mlp_op17_external.onnx.data", e.Message);
        Assert.Contains("copy that file beside the model", e.Message);

        File.Copy(OnnxFixtures.PathOf("actor_critic_mlp_op17_external.onnx.data"), Path.Combine(_fx.Dir, "actor_critic_mlp_op17_external.onnx.data"));
        using OnnxTeacher external = TeacherLoader.Load(path, CPU);
        using OnnxTeacher inline = TeacherLoader.Load(OnnxFixtures.PathOf("actor_critic_mlp_op17.onnx"), CPU);
        Assert.Equal(inline.Graph.ParameterCount, external.Graph.ParameterCount);
        using var scope = NewDisposeScope();
        manual_seed(3);
        Tensor obs = randn(5, 8);
        using TeacherLabels a = Labeler.Label(inline, obs, LabelMode.Full), b = Labeler.Label(external, obs, LabelMode.Full);
        TensorAssert.Close(a.Logits, b.Logits, 0, 0, "logits");
        TensorAssert.Close(a.GradLabels!, b.GradLabels!, 0, 0, "Jacobian");
        using TeacherActor actor = external.CreateActor(5);
        TensorAssert.Close(a.Logits, tensor(actor.Logits(obs.data<float>().ToArray(), 5).ToArray(), [5, external.Actions]), 1e-5, 1e-5, "ONNX Runtime");
    }

    [Theory]
    [InlineData("small_cnn_op9", null)]
    [InlineData("small_cnn_op10", null)]
    [InlineData("dueling_cnn_op9", PolicyOutputKind.QValues)]
    [InlineData("dueling_cnn_op10", PolicyOutputKind.QValues)]
    [InlineData("actor_critic_mlp_op9", PolicyOutputKind.Logits)]
    [InlineData("actor_critic_mlp_op10", PolicyOutputKind.Logits)]
    public void Opset9And10ExportsLabelExactly(string name, PolicyOutputKind? kind)
    {
        // make_legacy_fixtures.py: the attribute forms of Pad, Slice, Upsample (9) / Resize (10), BatchNormalization
        // and the Unsqueeze/Squeeze of opsets before 13.
        var card = kind is null ? null : new ModelCard { OutputKind = kind.Value, PolicyOutput = name.StartsWith("actor") ? "logits" : null };
        var (path, reference) = Fixture(name, card);
        using OnnxTeacher teacher = TeacherLoader.Load(path, CPU);
        Assert.Equal(name.EndsWith("op9") ? 9 : 10, teacher.Graph.Opset);
        LabelsMatchTorch(teacher, reference);
    }

    [Theory]
    [InlineData("half_cnn_op17")]
    [InlineData("half_weights_mlp_op17")]
    public void Float16GraphsLabelTheirWeightsInFloat32(string name)
    {
        // make_legacy_fixtures.py: half_cnn is model.half() (float16 weights, input, output and every intermediate),
        // half_weights_mlp keeps float16 weights and casts them up. The reference is float64 on the same float16
        // weights; the rebuilt graph computes in float32, ONNX Runtime rounds every float16 node output (about 1e-3).
        var (path, reference) = Fixture(name);
        using OnnxTeacher teacher = TeacherLoader.Load(path, CPU);
        LabelsMatchTorch(teacher, reference, ortTolerance: 1e-2);
    }
}
