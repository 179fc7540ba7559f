using SobolevRL.Onnx;
using SobolevRL.Teachers.Training;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Teachers.Training;

public class TeacherExportTests
{
    [Fact]
    public void ExportedPolicyAndCardReloadAndMatchTorchSharpOnRealStates()
    {
        var run = TinyTraining.NewRun();
        try
        {
            var options = TinyTraining.Options(3, 2 * 512);
            var result = PpoTrainer.Train(options, run, CPU, cancellation: TestContext.Current.CancellationToken);
            using var model = result.Model;
            model.eval();
            var policy = new ModulePolicy(model.Policy, result.ObservationShape, result.Actions);
            var evaluation = TeacherExport.Evaluate(policy, options.Env, new EvaluationOptions { Episodes = 4, MaxEpisodeSteps = 500 });
            var training = new TrainingRecord { Algorithm = "ppo", Command = "test", Frames = result.State.Frames, WallTimeSeconds = 1, Seed = 3 };
            string onnx = run.File("policy.onnx");
            TeacherExport.Write(policy, onnx, options.Env, TeacherExport.Architecture(16, 128), training, evaluation);

            var card = ModelCard.Read(ModelCard.PathFor(onnx));
            Assert.Equal("MinAtar/Breakout-v1", card.Env);
            Assert.Equal(PolicyOutputKind.Logits, card.OutputKind);
            Assert.Equal(1.0, card.Temperature);
            Assert.Equal(3, card.Actions);
            Assert.Equal([4L, 10, 10], card.Input.Shape);
            Assert.Equal(InputLayout.Nchw, card.Input.Layout);
            Assert.Equal(1.0, card.Input.Scale);
            Assert.Equal(training, card.Training);
            Assert.Equal(4, card.Evaluation!.Episodes);
            Assert.Single(card.OtherEvaluations!);
            double best = Math.Max(evaluation.Greedy.Mean, evaluation.Stochastic.Mean);
            Assert.Equal(best, card.Evaluation.ReturnMean, 12);
            Assert.StartsWith(evaluation.Best == ActingMode.Greedy ? "greedy" : "stochastic", card.Evaluation.Acting);

            // Real states: observations of a few Breakout episodes played at random.
            const int batch = 64;
            var states = new byte[batch * 400];
            using (var env = TinyTraining.MakeEnv())
            {
                var rng = new Random(1);
                env.Reset(9, states.AsSpan(0, 400));
                for (int i = 1; i < batch; i++)
                {
                    states.AsSpan((i - 1) * 400, 400).CopyTo(states.AsSpan(i * 400, 400));
                    if (env.Step(rng.Next(3), states.AsSpan(i * 400, 400)).Done) env.Reset(null, states.AsSpan(i * 400, 400));
                }
            }
            Assert.Contains(states, b => b != 0);
            float[] expected;
            using (no_grad())
            {
                expected = policy.Logits(tensor(states, [batch, 4, 10, 10]).to(float32)).data<float>().ToArray();
            }
            using var ort = new OrtPolicy(onnx, batch, card.PolicyOutput);
            float[] actual = ort.Run(states, batch, (float)card.Input.Scale).ToArray();
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-4);
        }
        finally
        {
            TinyTraining.Delete(run);
        }
    }

    [Fact]
    public void OnnxFileIsSmall()
    {
        using var model = new ActorCritic(4, 3, 16, 128);
        string path = Path.Combine(Directory.CreateTempSubdirectory("sobolevrl-export-").FullName, "policy.onnx");
        try
        {
            OnnxExporter.Export(model.Policy, [4, 10, 10], path);
            Assert.InRange(new FileInfo(path).Length, 100_000, 1_000_000);
            Assert.Equal(PolicyNetworks.ParameterCount(model.Policy) + 129, PolicyNetworks.ParameterCount(model));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }
}
