using SobolevRL.Teachers.Training;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Teachers;

/// <summary>
/// The gradient check on an Atari Nature CNN as PPO initialises it (orthogonal weights, zero biases): on Atari-like
/// frames (mostly black) thousands of ReLUs sit next to their kink, so nearly every finite-difference segment crosses
/// kinks on both sides at any step; the integral check judges those states, and a wrong gradient still fails.
/// </summary>
[Collection(TorchGlobalState.Name)]
public sealed class NatureCnnCheckTests : IDisposable
{
    readonly TeacherFixtures _fx = new();

    public void Dispose() => _fx.Dispose();

    const int Actions = 5, States = 12;

    static readonly long[] Shape = [4, 84, 84];

    // A Tetris-like stack of 4 frames: black, a grey well border, a few coloured blocks, a piece falling a row per frame.
    static float[] AtariLikeFrames(int count, int seed)
    {
        var random = new Random(seed);
        var x = new float[count * 4 * 84 * 84];
        for (int b = 0; b < count; b++)
        {
            var blocks = Enumerable.Range(0, 6).Select(_ => (Row: random.Next(40, 80), Col: random.Next(24, 56), Value: random.Next(60, 220))).ToArray();
            int pieceCol = random.Next(24, 56), pieceRow = random.Next(5, 30);
            for (int f = 0; f < 4; f++)
            {
                float[] frame = new float[84 * 84];
                for (int r = 0; r < 84; r++) frame[r * 84 + 22] = frame[r * 84 + 60] = 142;
                foreach (var (row, col, value) in blocks) Fill(frame, row, col, value);
                Fill(frame, pieceRow + 2 * f, pieceCol, 180);
                frame.CopyTo(x, ((b * 4) + f) * 84 * 84);
            }
        }
        return x;
    }

    static void Fill(float[] frame, int row, int col, float value)
    {
        for (int r = row; r < Math.Min(row + 4, 84); r++)
            for (int c = col; c < Math.Min(col + 4, 84); c++) frame[r * 84 + c] = value;
    }

    string Export(ActorCritic net, string name) => _fx.Export(net.Policy, Shape, name, new ModelCard
    {
        Architecture = "Nature CNN actor-critic, PPO initialisation",
        Actions = Actions,
        Input = new ModelInput { Scale = 1.0 / 255.0, Shape = Shape },
    });

    static TorchSharp.Modules.Linear Layer(ActorCritic net, string name) =>
        (TorchSharp.Modules.Linear)net.Policy.named_children().First(c => c.name == name).module;

    [Fact]
    public void PpoInitialisedNatureCnnPassesWhereKinksAreEverywhereAndAWrongGradientFails()
    {
        manual_seed(21);
        using var net = new ActorCritic(new TeacherNetwork("nature", 1.0), Shape, Actions, 32, 512);
        // The policy head at gain 1, as after training (PPO's gain 0.01 leaves logit differences at float32 rounding level).
        OrthogonalInit.Apply(Layer(net, "fc2"), 1.0);
        string path = Export(net, "nature");
        // The same network with fc1 scaled by 1.3 acts in ONNX Runtime: the labels of the original are then wrong by ~30%.
        using (no_grad()) Layer(net, "fc1").weight!.mul_(1.3);
        string wrongPath = Export(net, "nature-wrong");
        using OnnxTeacher teacher = TeacherLoader.Load(path, CPU);
        using OnnxTeacher wrongTeacher = TeacherLoader.Load(wrongPath, CPU);
        using TeacherActor actor = teacher.CreateActor(States);
        using TeacherActor wrongActor = wrongTeacher.CreateActor(States);
        float[] states = AtariLikeFrames(States, seed: 3);

        GradientAgreement right = TeacherCheck.CompareGradients(teacher, actor, states, "atari-like", seed: 1);
        Assert.True(right.Passed, right.ToString());
        Assert.True(right.Integrated >= States / 2, "the integral check is not exercised: " + right);
        Assert.True(right.MaxErrorOverTolerance < 0.5, right.ToString());

        GradientAgreement wrong = TeacherCheck.CompareGradients(teacher, wrongActor, states, "atari-like", seed: 1);
        Assert.False(wrong.Passed, wrong.ToString());
        Assert.True(wrong.MaxRelError > 0.1, wrong.ToString());
    }
}
