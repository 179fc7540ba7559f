using System.Runtime.InteropServices;
using SobolevRL.Collection;
using SobolevRL.Tests.Onnx;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Collection;

/// <summary>
/// A recurrent (nn.LSTM) teacher exported by PyTorch 1.13 drives collect and distill end to end on MinAtar Breakout
/// (issue 19): the collection carries the teacher's state along every episode (zeros at its start) and stacks 4 frames
/// for a feed-forward student. The stored labels are checked, episode by episode, against ONNX Runtime carrying its own
/// state over the stored frames (an independent path): logits, and the Jacobian rows against central differences of
/// ONNX Runtime's log-policy along random directions in the newest frame, with exact zeros in the older frames. Then a
/// frame-stack student is distilled from the dataset with the Sobolev term on.
/// </summary>
[Trait("speed", "slow")]
public sealed class RecurrentCollectionTests : IDisposable
{
    const string Env = "MinAtar/Breakout-v1";
    const int Stack = 4;
    readonly string _dir = Directory.CreateTempSubdirectory("recurrent-collect").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Teacher()
    {
        string path = Path.Combine(_dir, "lstm.onnx");
        File.Copy(OnnxFixtures.PathOf("lstm_breakout_op17.onnx"), path);
        File.Copy(OnnxFixtures.PathOf("lstm_breakout_op17.onnx.card.json"), ModelCard.PathFor(path));
        return path;
    }

    [Fact]
    public void LstmTeacherCollectsLabelsThatMatchFiniteDifferencesAndDistillsAFrameStackStudent()
    {
        string teacher = Teacher(), data = Path.Combine(_dir, "data");
        var collected = CollectionJob.Run(new CollectionJobOptions
        {
            TeacherPath = teacher,
            OutDir = data,
            FrameStack = Stack,
            Collection = new CollectionOptions
            {
                EnvId = Env,
                States = 400,
                Labels = LabelMode.Full,
                GradDtype = GradDtype.Float32,
                Envs = 3,
                Seed = 7,
                Acting = ActingMode.Sample,
                HeldOutFraction = 0.2,
                ShardStates = 150,
                StoreTeacherState = true,
            },
        }, cancel: TestContext.Current.CancellationToken);
        Assert.True(collected.Manifest.Complete);
        Assert.Equal(Stack, collected.Manifest.FrameStack);
        Assert.Equal(32, collected.Manifest.TeacherStateSize); // h and c of 16
        // The older 3 frames of 4 channels carry no labels of the teacher's: the Sobolev term leaves them out.
        Assert.Equal(4 * (Stack - 1), collected.Manifest.UnlabelledChannels);
        using (var reader = DatasetReader.Open(data)) Assert.Equal(4 * (Stack - 1), reader.Summary().UnlabelledChannels);

        var (checkedStates, largest) = CheckLabelsEpisodeByEpisode(data, teacher);
        Assert.True(checkedStates >= 100, $"only {checkedStates} states checked");
        // The directional derivatives are far above the tolerance's floor (1e-4), so the comparison has teeth.
        Assert.True(largest > 0.02, $"largest |label·u| {largest}");

        var result = DistillJob.Run(new DistillJobOptions
        {
            Data = data,
            OutDir = Path.Combine(_dir, "run"),
            TeacherPath = teacher,
            Overrides = ["student=minatar:4,32", "loss.sobolev=full", "optim.steps=60", "optim.batch_size=32", "logging.eval_every=0", "logging.held_out_states=64", "seed=3"],
        }, cancel: TestContext.Current.CancellationToken);
        DistillSummary summary = result.Summary;
        Assert.Equal(60, summary.Steps);
        Assert.True(double.IsFinite(summary.HeldOutKl) && double.IsFinite(summary.HeldOutGradientError), summary.ToString());
        Assert.True(summary.OnnxMaxAbsDiff < 1e-4, summary.ToString());
        // The student is feed-forward over the stack of 4 frames.
        using var student = TeacherLoader.Load(summary.OnnxPath, CPU);
        Assert.Equal([4L * Stack, 10, 10], student.ObservationShape);
        Assert.Equal(0, student.StateSize);
    }

    // Reads every row, groups them by episode in step order and replays each episode through ONNX Runtime from the zero
    // state; returns the number of states checked and the largest directional derivative met.
    static (int States, double Largest) CheckLabelsEpisodeByEpisode(string data, string teacherPath)
    {
        using var reader = DatasetReader.Open(data);
        var rows = new List<(long Episode, int Step, byte[] Frame, float[] Logits, float[] Grads, float[] State)>();
        for (long r = 0; r < reader.Rows; r++)
        {
            var (shard, local) = reader.Locate(r);
            rows.Add((shard[ReplayArrays.Episode].Get<long>(local), shard[ReplayArrays.Step].Get<int>(local), shard[ReplayArrays.Frames].Row(local).ToArray(),
                MemoryMarshal.Cast<byte, float>(shard[ReplayArrays.Logits].Row(local)).ToArray(), MemoryMarshal.Cast<byte, float>(shard[ReplayArrays.GradLabels].Row(local)).ToArray(),
                MemoryMarshal.Cast<byte, float>(shard[ReplayArrays.TeacherState].Row(local)).ToArray()));
        }
        using TeacherActor actor = TeacherActor.Open(teacherPath, maxBatch: 1);
        int s = actor.StateSize, frame = 4 * 10 * 10, actions = 3, states = 0;
        double largest = 0;
        var random = new Random(11);
        foreach (var episode in rows.GroupBy(r => r.Episode))
        {
            var steps = episode.OrderBy(r => r.Step).ToArray();
            Assert.Equal(Enumerable.Range(0, steps.Length), steps.Select(r => r.Step));
            var state = new float[s];
            foreach (var row in steps)
            {
                float[] x = row.Frame.Select(b => (float)b).ToArray();
                float[] next = new float[s];
                for (int i = 0; i < s; i++) Assert.Equal(state[i], row.State[i], 1e-5f);
                float[] logits = actor.Logits(x, 1, state, next).ToArray();
                for (int a = 0; a < actions; a++) Assert.Equal(logits[a], row.Logits[a], 1e-4f);
                // Rows [A, Stack·4, 10, 10]: the older frames' channels are exact zeros.
                for (int a = 0; a < actions; a++)
                {
                    var jacobian = row.Grads.AsSpan(a * Stack * frame, Stack * frame);
                    Assert.True(jacobian[..((Stack - 1) * frame)].IndexOfAnyExcept(0f) < 0, $"episode {row.Episode} step {row.Step}: gradient on an older frame");
                }
                for (int d = 0; d < 2; d++)
                {
                    // Every pixel moves by up to ±h.
                    float[] u = Enumerable.Range(0, frame).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
                    var (fd, taken) = Central(actor, x, u, state, 4e-3);
                    var (fdHalf, takenHalf) = Central(actor, x, u, state, 2e-3);
                    for (int a = 0; a < actions; a++)
                    {
                        var newest = row.Grads.AsSpan(a * Stack * frame + (Stack - 1) * frame, frame);
                        double analytic = 0;
                        for (int i = 0; i < frame; i++) analytic += newest[i] * takenHalf[i];
                        largest = Math.Max(largest, Math.Abs(analytic));
                        double tolerance = 4 * Math.Abs(fd[a] - fdHalf[a]) + 1e-4 + 1e-3 * Math.Abs(fd[a]);
                        Assert.True(Math.Abs(analytic - fdHalf[a]) <= tolerance,
                            $"episode {row.Episode} step {row.Step} action {a}: label·u {analytic:G6}, central difference {fdHalf[a]:G6} (h/2) {fd[a]:G6} (h), tolerance {tolerance:G3}");
                    }
                }
                state = next;
                states++;
            }
        }
        return (states, largest);
    }

    // (ℓ(x + h·u) − ℓ(x − h·u)) / 2h of the log-policy, ONNX Runtime given the state (which it leaves as it is), and the
    // displacement actually evaluated (the float32 points differ from x ± h·u by rounding) over 2h: the analytic side is
    // the label dotted with it.
    static (double[] Fd, double[] Taken) Central(TeacherActor actor, float[] x, float[] u, float[] state, double h)
    {
        float[] plus = x.Select((v, i) => (float)(v + h * u[i])).ToArray(), minus = x.Select((v, i) => (float)(v - h * u[i])).ToArray();
        double[] LogPolicy(float[] input)
        {
            float[] scratch = new float[state.Length];
            double[] z = actor.Logits(input, 1, state, scratch).ToArray().Select(v => (double)v).ToArray();
            double max = z.Max(), sum = z.Sum(v => Math.Exp(v - max));
            return z.Select(v => v - max - Math.Log(sum)).ToArray();
        }
        double[] p = LogPolicy(plus), m = LogPolicy(minus);
        return (p.Select((v, a) => (v - m[a]) / (2 * h)).ToArray(), plus.Select((v, i) => ((double)v - minus[i]) / (2 * h)).ToArray());
    }
}
