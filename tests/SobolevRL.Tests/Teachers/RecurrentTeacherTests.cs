using SobolevRL.IO;
using SobolevRL.Tests.Onnx;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Teachers;

/// <summary>
/// Recurrent teachers as PyTorch 1.13 exports them (issue 19), from make_recurrent_fixtures.py: nn.LSTM (ONNX LSTM, opsets
/// 11 and 17, and 9 and 10 from make_legacy_fixtures.py), nn.GRU (ONNX GRU), nn.LSTMCell and a hand-written cell (both
/// unrolled into Gemm/MatMul, Split, Sigmoid, Tanh, Mul, Add). Along one episode the state is carried from zeros, through the rebuilt graph (labels) and through
/// ONNX Runtime (acting), and compared at every step with PyTorch: the state, the logits, the log-policy and the autograd
/// Jacobian with respect to the current observation with the state held fixed.
/// </summary>
public sealed class RecurrentTeacherTests : IDisposable
{
    public static readonly TheoryData<string> Models = new(
        "lstm_breakout_op17", "lstm_breakout_op11", "lstm_breakout_op10", "lstm_breakout_op9", "gru_breakout_op17", "lstm_cell_breakout_op17", "unrolled_lstm_breakout_op17");

    readonly TeacherFixtures _fx = new();

    public void Dispose() => _fx.Dispose();

    /// <summary>The model and its card copied into a temporary folder, with the reference arrays.</summary>
    (string Path, Dictionary<string, NpyArray> Reference) Fixture(string name, bool withCard = true)
    {
        string path = Path.Combine(_fx.Dir, name + ".onnx");
        File.Copy(OnnxFixtures.PathOf(name + ".onnx"), path, overwrite: true);
        if (withCard) File.Copy(OnnxFixtures.PathOf(name + ".onnx.card.json"), ModelCard.PathFor(path), overwrite: true);
        return (path, NpzFile.Read(OnnxFixtures.PathOf(name + ".ref.npz")));
    }

    static Tensor Row(NpyArray array, int t) => tensor(array.ToFloats(), array.Shape)[t].unsqueeze(0);

    [Theory]
    [MemberData(nameof(Models))]
    public void StateCarriedAlongAnEpisodeGivesPyTorchsLabelsStepByStep(string name)
    {
        var (path, reference) = Fixture(name);
        using OnnxTeacher teacher = TeacherLoader.Load(path, CPU);
        Assert.Equal(reference["state"].Shape[1], teacher.StateSize);
        Assert.Equal([4L, 10, 10], teacher.ObservationShape);
        int steps = (int)reference["obs"].Shape[0];
        using var scope = NewDisposeScope();
        Tensor state = zeros(1, teacher.StateSize);
        for (int t = 0; t < steps; t++)
        {
            TensorAssert.Close(Row(reference["state"], t), state, 1e-5, 1e-6, $"{name} step {t}: state");
            using TeacherLabels labels = Labeler.Label(teacher, Row(reference["obs"], t), LabelMode.Full, state: state);
            TensorAssert.Close(Row(reference["out"], t), labels.Logits, 1e-5, 1e-5, $"{name} step {t}: logits");
            TensorAssert.Close(Row(reference["logp"], t), labels.LogPolicy, 1e-5, 1e-5, $"{name} step {t}: log-policy");
            TensorAssert.Close(Row(reference["jac"], t).flatten(), labels.GradLabels!.flatten(), 1e-4, 2e-5, $"{name} step {t}: Jacobian");
            state = labels.NextState!.clone();
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void OnnxRuntimeActsWithTheStateItCarries(string name)
    {
        var (path, reference) = Fixture(name);
        using OnnxTeacher teacher = TeacherLoader.Load(path, CPU);
        using TeacherActor actor = teacher.CreateActor(2);
        Assert.Equal(teacher.StateSize, actor.StateSize);
        int steps = (int)reference["obs"].Shape[0], size = 4 * 10 * 10, s = teacher.StateSize;
        float[] obs = reference["obs"].ToFloats(), outs = reference["out"].ToFloats(), states = reference["state"].ToFloats();
        // Two copies of the episode in one batch of 2, the state going in and out through one buffer.
        var state = new float[2 * s];
        for (int t = 0; t < steps; t++)
        {
            for (int b = 0; b < 2; b++)
                for (int i = 0; i < s; i++) Assert.Equal(states[t * s + i], state[b * s + i], 1e-5f);
            float[] pair = [.. obs.AsSpan(t * size, size), .. obs.AsSpan(t * size, size)];
            float[] logits = actor.Logits(pair, 2, state, state).ToArray();
            for (int b = 0; b < 2; b++)
                for (int a = 0; a < 3; a++) Assert.Equal(outs[t * 3 + a], logits[b * 3 + a], 1e-4f);
        }

        // Act carries the actor's own state; ResetState starts a new episode.
        byte[] frames = obs.Select(v => (byte)v).ToArray();
        for (int episode = 0; episode < 2; episode++)
        {
            actor.ResetState();
            for (int t = 0; t < steps; t++)
            {
                int greedy = Enumerable.Range(0, 3).MaxBy(a => outs[t * 3 + a]);
                Assert.Equal(greedy, actor.Act(frames.AsSpan(t * size, size)));
            }
        }
    }

    [Fact]
    public void WithoutAStateTheTeacherActsFromAnEpisodesStart()
    {
        var (path, reference) = Fixture("lstm_breakout_op17");
        using OnnxTeacher teacher = TeacherLoader.Load(path, CPU);
        using var scope = NewDisposeScope();
        Tensor obs = tensor(reference["obs"].ToFloats(), reference["obs"].Shape);
        Tensor logits = teacher.Logits(obs);
        TensorAssert.Close(teacher.Step(obs, zeros(obs.shape[0], teacher.StateSize)).Logits, logits, 0, 0, "zero state");
        TensorAssert.Close(Row(reference["out"], 0), logits[0].unsqueeze(0), 1e-5, 1e-5, "first step");
        using TeacherActor actor = teacher.CreateActor(12);
        float[] ort = actor.Logits(reference["obs"].ToFloats(), 12).ToArray();
        TensorAssert.Close(logits, tensor(ort, [12, 3]), 1e-4, 1e-4, "ONNX Runtime from the zero state");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void TheStatePairsProposedFromTheGraphAreTheCards(string name)
    {
        // What `teacher card` writes: graph inputs besides the observation paired with outputs by type, shape and name.
        ModelCard card = ModelCard.Read(OnnxFixtures.PathOf(name + ".onnx.card.json"));
        RecurrentCard proposed = RecurrentStatePairs.Propose(OnnxFixtures.PathOf(name + ".onnx"))!;
        Assert.Equal(card.Recurrent!.State.Select(p => (p.Input, p.Output)), proposed.State.Select(p => (p.Input, p.Output)));
        Assert.Null(RecurrentStatePairs.Propose(OnnxFixtures.PathOf("dynamic_reshape_cnn_op17.onnx")));
        // Loading with the proposal alone works as with the card.
        var (path, _) = Fixture(name, withCard: false);
        using OnnxTeacher teacher = TeacherLoader.Load(path, CPU, new TeacherOverrides { Recurrent = proposed });
        Assert.Equal(proposed.State.Count, teacher.Signature.State.Count);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void CheckPassesFromTheStatesCarriedAlongAnEpisode(string name)
    {
        var (path, reference) = Fixture(name);
        using OnnxTeacher teacher = TeacherLoader.Load(path, CPU);
        float[] obs = reference["obs"].ToFloats();
        float[] carried = TeacherCheck.CarriedStates(teacher, obs);
        // The states of PyTorch's own rollout of the episode: non-zero after the first step.
        float[] expected = reference["state"].ToFloats();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], carried[i], 1e-5f);
        Assert.True(carried.Skip(teacher.StateSize).Max(Math.Abs) > 0.05f);
        using TeacherActor actor = teacher.CreateActor(4);
        OutputAgreement outputs = TeacherCheck.CompareOutputs(teacher, actor, obs, "episode", carried);
        Assert.True(outputs.Passed, outputs.ToString());
        GradientAgreement gradients = TeacherCheck.CompareGradients(teacher, actor, obs, "episode", seed: 2, carried);
        Assert.True(gradients.Passed, gradients.ToString());
        // From the zero state instead, ONNX Runtime's logits differ from the rollout's: the state is really used.
        float[] atZero = actor.Logits(obs, 4).ToArray();
        float[] atCarried = actor.Logits(obs.AsSpan(0, 4 * 400), 4, carried.AsSpan(0, 4 * teacher.StateSize), new float[4 * teacher.StateSize]).ToArray();
        Assert.True(atZero.Skip(3).Zip(atCarried.Skip(3)).Max(p => Math.Abs(p.First - p.Second)) > 1e-3);
    }

    [Fact]
    public void ARecurrentGraphWithoutItsCardNamesTheFieldToWrite()
    {
        var (path, _) = Fixture("lstm_breakout_op17", withCard: false);
        var e = Assert.Throws<UserErrorException>(() => TeacherLoader.Load(path, CPU).Dispose());
        Assert.Contains("recurrent.state", e.Message);
        Assert.Contains("3 inputs", e.Message);
    }

    [Fact]
    public void CardStateErrorsNameTheGraphsValues()
    {
        var (path, _) = Fixture("lstm_breakout_op17", withCard: false);
        var card = new ModelCard { Input = new ModelInput { Name = "obs" }, Recurrent = new RecurrentCard { State = [new RecurrentStateCard { Input = "h", Output = "h_out" }] } };
        card.Write(ModelCard.PathFor(path));
        var e = Assert.Throws<UserErrorException>(() => TeacherLoader.Load(path, CPU).Dispose());
        Assert.Contains("c: float", e.Message);
        Assert.Contains("recurrent.state", e.Message);

        (card with { Recurrent = new RecurrentCard { State = [new() { Input = "h", Output = "hn" }, new() { Input = "c", Output = "c_out" }] } }).Write(ModelCard.PathFor(path));
        e = Assert.Throws<UserErrorException>(() => TeacherLoader.Load(path, CPU).Dispose());
        Assert.Contains("'hn' is not a graph output", e.Message);
        Assert.Contains("h_out", e.Message);

        File.WriteAllText(ModelCard.PathFor(path), """{ "recurrent": { "state": [ { "input": "h", "out": "h_out" } ] } }""");
        e = Assert.Throws<UserErrorException>(() => TeacherLoader.Load(path, CPU).Dispose());
        Assert.Contains("unknown field 'out'", e.Message);
        Assert.Contains("input, output, batch_axis", e.Message);
    }

    [Fact]
    public void TheStackedViewReadsTheNewestFrameAndHasZeroGradientsOnTheOthers()
    {
        var (path, reference) = Fixture("lstm_breakout_op17");
        using OnnxTeacher teacher = TeacherLoader.Load(path, CPU);
        using var stacked = new StackedRecurrentTeacher(teacher, 3);
        Assert.Equal([12L, 10, 10], stacked.ObservationShape);
        using var scope = NewDisposeScope();
        Tensor frames = tensor(reference["obs"].ToFloats(), reference["obs"].Shape);
        Tensor x = cat([frames.narrow(0, 0, 1), frames.narrow(0, 1, 1), frames.narrow(0, 2, 1)], 1);
        Tensor state = tensor(reference["state"].ToFloats(), reference["state"].Shape).narrow(0, 2, 1);
        using TeacherLabels labels = Labeler.Label(stacked, x, LabelMode.Full, state: state);
        Tensor jac = labels.GradLabels!.reshape(3, 3, 4, 10, 10);
        Assert.Equal(0.0, jac.narrow(1, 0, 2).abs().max().item<float>());
        TensorAssert.Close(Row(reference["jac"], 2).flatten(), jac.narrow(1, 2, 1).flatten(), 1e-4, 2e-5, "newest frame");
        TensorAssert.Close(Row(reference["out"], 2), labels.Logits, 1e-5, 1e-5, "logits");
    }

    [Fact]
    public void EvaluationStartsEveryEpisodeFromTheZeroState()
    {
        var (path, _) = Fixture("lstm_breakout_op17");
        using TeacherActor actor = TeacherActor.Open(path);
        var options = SobolevRL.Evaluation.EvaluationProtocol.Options("MinAtar/Breakout-v1", null, SobolevRL.Evaluation.EvaluationPreset.Default);
        int starts = 0;
        var returns = SobolevRL.Evaluation.EpisodeEvaluator.Run("MinAtar/Breakout-v1", options, actor.Act, 3, maxEpisodeSteps: 200, episodeStart: () =>
        {
            starts++;
            actor.ResetState();
        });
        Assert.Equal(3, returns.Episodes);
        Assert.Equal(3, starts);
    }
}
