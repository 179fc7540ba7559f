using SobolevRL.Sobolev;
using SobolevRL.Tests.Sobolev;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Distillation;

/// <summary>
/// The multi-game student and loss: per-head Sobolev gradients against finite differences for every label mode and
/// derivative form, and the combined loss against single-game losses of separately built students (the oracle).
/// </summary>
[Collection(TorchGlobalState.Name)]
public class MultiGameLossTests
{
    private static readonly long[] Shape = [2, 3, 3];

    public MultiGameLossTests() => DistillFixtures.SingleThread();

    private static ModulePolicy SmoothTeacher(int seed, int actions, long[]? shape = null)
    {
        shape ??= Shape;
        manual_seed(seed);
        var net = nn.Sequential(nn.Flatten(), nn.Linear(shape.Aggregate(1L, (a, d) => a * d), 6), nn.Tanh(), nn.Linear(6, actions));
        net.to(float64);
        return new ModulePolicy(net, shape, actions);
    }

    // Game g's rows labelled by its own teacher (games have 3 and 4 actions), of shape shapes[g] (default Shape).
    private static MultiGameBatch Batch(LabelMode mode, int[] rows, int[] actions, long[][]? shapes = null)
    {
        var parts = new List<ReplayBatch>();
        for (int g = 0; g < rows.Length; g++)
        {
            long[] shape = shapes?[g] ?? Shape;
            using var teacher = SmoothTeacher(10 + g, actions[g], shape);
            var x = rand([rows[g], .. shape], float64);
            using var labels = Labeler.Label(teacher, x, mode, new Generator(5 + (ulong)g));
            parts.Add(new ReplayBatch(x, labels.Logits.clone(), zeros([rows[g]], int64), labels.GradLabels?.clone(), labels.Projections?.clone()));
        }
        return new MultiGameBatch(parts);
    }

    private static MultiGameStudent Student(HeadLayout layout, int[] actions, string spec = "mlp:7")
    {
        var student = MultiGameStudent.Build(StudentSpec.Parse(spec), Shape, ["a", "b"], actions, [1.0, 1.0], layout, seed: 4, CPU);
        student.Network.to(float64);
        return student;
    }

    [Theory]
    [InlineData("full", DerivativeForm.Rows, DerivativeLossKind.SquaredL2, ValueLossKind.Kl)]
    [InlineData("full", DerivativeForm.Rows, DerivativeLossKind.NormalisedL2, ValueLossKind.Mse)]
    [InlineData("full", DerivativeForm.Centered, DerivativeLossKind.SquaredL2, ValueLossKind.Kl)]
    [InlineData("full", DerivativeForm.Fisher, DerivativeLossKind.SquaredL2, ValueLossKind.Kl)]
    [InlineData("full", DerivativeForm.Relative, DerivativeLossKind.SquaredL2, ValueLossKind.Nll)]
    [InlineData("vjp:2", DerivativeForm.Rows, DerivativeLossKind.SquaredL2, ValueLossKind.Kl)]
    [InlineData("vjp:2", DerivativeForm.Relative, DerivativeLossKind.SquaredL2, ValueLossKind.Kl)]
    public void PerHeadParameterGradientsEqualFiniteDifferences(string mode, DerivativeForm form, DerivativeLossKind rowLoss, ValueLossKind value)
    {
        var labels = LabelMode.Parse(mode);
        using var student = Student(HeadLayout.Separate, [3, 4]);
        using var batch = Batch(labels, [5, 3], [3, 4]);
        var options = new LossOptions { Sobolev = mode, DerivativeForm = form, DerivativeLoss = rowLoss, Value = value };
        double Total() { using var r = MultiGameLoss.Compute(student, batch, options, labels, [1.0, 1.0], 0.7); return r.Parts.Total.item<double>(); }

        using (var r = MultiGameLoss.Compute(student, batch, options, labels, [1.0, 1.0], 0.7)) r.Parts.Total.backward();
        Assert.Equal(2, student.Network.Heads.Count);
        foreach (var head in student.Network.Heads) Assert.True(head.weight!.grad is { } g && g.abs().sum().item<double>() > 0, "every head gets a gradient");
        ParameterFiniteDifferences.AssertMatch(student.Network, Total, perParameter: 4, "autograd");
    }

    [Theory]
    [InlineData("full", DerivativeForm.Rows, ValueLossKind.Kl)]
    [InlineData("vjp:2", DerivativeForm.Centered, ValueLossKind.Mse)]
    public void GradientsThroughPerGameInputAdaptersEqualFiniteDifferences(string mode, DerivativeForm form, ValueLossKind value)
    {
        // Games of 2 and 3 channels share a torso taking 3: each game's 1×1 adapter maps its channels to the torso's.
        long[][] shapes = [[2, 3, 3], [3, 3, 3]];
        var labels = LabelMode.Parse(mode);
        using var student = MultiGameStudent.Build(StudentSpec.Parse("mlp:7"), [3, 3, 3], ["a", "b"], [3, 4], [1.0, 1.0], HeadLayout.Separate, seed: 5, CPU, shapes);
        student.Network.to(float64);
        Assert.Equal([[3L, 2, 1, 1], [3L, 3, 1, 1]], student.Network.Adapters.Select(a => a.weight!.shape));
        Assert.Equal(shapes, student.Policies.Select(p => p.ObservationShape));
        using var batch = Batch(labels, [5, 3], [3, 4], shapes);
        var options = new LossOptions { Sobolev = mode, DerivativeForm = form, Value = value };
        double Total() { using var r = MultiGameLoss.Compute(student, batch, options, labels, [1.0, 1.0], 0.7); return r.Parts.Total.item<double>(); }

        using (var r = MultiGameLoss.Compute(student, batch, options, labels, [1.0, 1.0], 0.7)) r.Parts.Total.backward();
        foreach (var adapter in student.Network.Adapters) Assert.True(adapter.weight!.grad is { } g && g.abs().sum().item<double>() > 0, "every adapter gets a gradient");
        ParameterFiniteDifferences.AssertMatch(student.Network, Total, perParameter: 4, "autograd");
    }

    [Fact]
    public void InitFromTakesTheTorsoAndTheHeadsAndAdaptersOfGamesOfTheSameName()
    {
        long[][] shapes = [[2, 3, 3], [3, 3, 3]];
        using var source = MultiGameStudent.Build(StudentSpec.Parse("mlp:7"), [3, 3, 3], ["a", "b"], [3, 4], [1.0, 1.0], HeadLayout.Separate, seed: 1, CPU, shapes);
        using var target = MultiGameStudent.Build(StudentSpec.Parse("mlp:7"), [3, 3, 3], ["b", "c"], [4, 5], [1.0, 1.0], HeadLayout.Separate, seed: 2, CPU, [[3, 3, 3], [2, 3, 3]]);
        using var freshHead = target.Network.Heads[1].weight!.clone();
        Assert.Equal(["b"], target.InitFrom(source));
        static double Diff(nn.Module x, nn.Module y) => x.parameters().Zip(y.parameters()).Sum(p => (p.First - p.Second).abs().sum().item<float>());
        Assert.Equal(0, Diff(target.Network.Torso, source.Network.Torso));
        Assert.Equal(0, Diff(target.Network.Heads[0], source.Network.Heads[1]));       // game b's head and adapter
        Assert.Equal(0, Diff(target.Network.Adapters[0], source.Network.Adapters[1]));
        Assert.True(target.Network.Heads[1].weight!.eq(freshHead).all().item<bool>(), "game c (held out) keeps its fresh head");
    }

    /// <summary>
    /// Oracle: the combined loss is Σ_g (n_g/B)·(game g's single-game loss), computed by <see cref="DistillationLoss"/>
    /// on ordinary single-game students built separately with copies of the torso and game g's head; head g's gradient
    /// is n_g/B times that student's last-layer gradient, and the torso's is the weighted sum.
    /// </summary>
    [Theory]
    [InlineData("full")]
    [InlineData("vjp:2")]
    public void CombinedLossIsTheShareWeightedSingleGameLosses(string mode)
    {
        var labels = LabelMode.Parse(mode);
        using var student = Student(HeadLayout.Separate, [3, 4]);
        using var batch = Batch(labels, [6, 2], [3, 4]);
        var options = new LossOptions { Sobolev = mode };
        using var r = MultiGameLoss.Compute(student, batch, options, labels, [1.0, 1.0], 0.5);
        r.Parts.Total.backward();

        double expected = 0;
        var torsoGrad = student.Network.Torso.parameters().Select(p => zeros_like(p)).ToArray();
        for (int g = 0; g < 2; g++)
        {
            double share = batch.Parts[g].Size / (double)batch.Size;
            var single = PolicyNetworks.Mlp(18, [7], g == 0 ? 3 : 4);
            single.to(float64);
            var singleParams = single.parameters().ToArray();
            var source = student.Network.Torso.parameters().Concat(student.Network.Heads[g].parameters()).ToArray();
            Assert.Equal(source.Length, singleParams.Length);
            using (no_grad()) for (int i = 0; i < source.Length; i++) singleParams[i].copy_(source[i]);
            using var policy = new ModulePolicy(single, Shape, g == 0 ? 3 : 4);
            using var parts = DistillationLoss.Compute(policy, batch.Parts[g], options, labels, 1.0, 0.5);
            parts.Total.backward();
            expected += share * parts.Total.item<double>();
            var head = student.Network.Heads[g].parameters().ToArray();
            for (int i = 0; i < head.Length; i++)
                AssertClose(singleParams[source.Length - head.Length + i].grad!.mul(share), head[i].grad!);
            for (int i = 0; i < torsoGrad.Length; i++) torsoGrad[i] = torsoGrad[i].add(singleParams[i].grad!.mul(share));
        }
        Assert.Equal(expected, r.Parts.Total.item<double>(), 1e-10);
        var torso = student.Network.Torso.parameters().ToArray();
        for (int i = 0; i < torso.Length; i++) AssertClose(torsoGrad[i], torso[i].grad!);
    }

    [Fact]
    public void ASharedHeadIsOneHeadForEveryGame()
    {
        using var student = Student(HeadLayout.Shared, [6, 6]);
        Assert.Single(student.Network.Heads);
        Assert.Equal([0, 0], student.HeadOf);
        using var x = rand([3, .. Shape], float64);
        using var a = student.Policies[0].Logits(x);
        using var b = student.Policies[1].Logits(x);
        Assert.Equal(0.0, (a - b).abs().max().item<double>());
        using var separate = Student(HeadLayout.Separate, [6, 6]);
        Assert.Equal(2, separate.Network.Heads.Count);
        using var c = separate.Policies[0].Logits(x);
        using var d = separate.Policies[1].Logits(x);
        Assert.NotEqual(0.0, (c - d).abs().max().item<double>());
    }

    [Theory]
    [InlineData("full", DerivativeForm.Rows, ValueLossKind.Kl)]
    [InlineData("full", DerivativeForm.Fisher, ValueLossKind.Mse)]
    [InlineData("vjp:2", DerivativeForm.Centered, ValueLossKind.Kl)]
    public void GradientsThroughASharedFullActionHeadsPerGameGatherEqualFiniteDifferences(string mode, DerivativeForm form, ValueLossKind value)
    {
        // MinAtar-like minimal sets of 3 and 5 of the 6 actions: one 6-wide head, each game's policy its actions' columns.
        ActionMap[] maps = [new("test set (6 actions)", 6, [0, 1, 3]), new("test set (6 actions)", 6, [0, 1, 2, 3, 4])];
        var labels = LabelMode.Parse(mode);
        using var student = MultiGameStudent.Build(StudentSpec.Parse("mlp:7"), Shape, ["a", "b"], [3, 5], [1.0, 1.0], HeadLayout.Shared, seed: 6, CPU, actionMaps: maps);
        student.Network.to(float64);
        Assert.Single(student.Network.Heads);
        Assert.Equal(6, student.Network.Heads[0].out_features);
        using (var x = rand([4, .. Shape], float64))
        using (var head = student.Network.Heads[0].call(student.Network.Torso.call(x)))
            for (int g = 0; g < 2; g++)
            {
                using var logits = student.Policies[g].Logits(x);
                using var columns = head.index_select(1, tensor(maps[g].Indices.Select(i => (long)i).ToArray()));
                Assert.Equal(0.0, (logits - columns).abs().max().item<double>());
            }
        using var batch = Batch(labels, [5, 3], [3, 5]);
        var options = new LossOptions { Sobolev = mode, DerivativeForm = form, Value = value };
        double Total() { using var r = MultiGameLoss.Compute(student, batch, options, labels, [1.0, 1.0], 0.7); return r.Parts.Total.item<double>(); }
        using (var r = MultiGameLoss.Compute(student, batch, options, labels, [1.0, 1.0], 0.7)) r.Parts.Total.backward();
        // Action 5 is in neither game's set: its head row gets no gradient; action 2 only from game b.
        Assert.Equal(0.0, student.Network.Heads[0].weight!.grad![5].abs().sum().item<double>());
        Assert.True(student.Network.Heads[0].weight!.grad![2].abs().sum().item<double>() > 0);
        ParameterFiniteDifferences.AssertMatch(student.Network, Total, perParameter: 4, "autograd");
    }

    private static void AssertClose(Tensor expected, Tensor actual)
    {
        double diff = (expected - actual).abs().max().item<double>(), scale = expected.abs().max().item<double>();
        Assert.True(diff <= 1e-9 + 1e-7 * scale, $"max |diff| {diff} (scale {scale})");
    }
}
