using SobolevRL.Optimizers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SobolevRL.Tests.Optimizers;

[Collection(TorchGlobalState.Name)]
public class KeptAliveOptimizerTests
{
    [Fact]
    public void Adam_takes_exactly_the_steps_of_torchsharps_adam()
    {
        AssertSameTrajectory(p => new KeptAliveAdam(p, 3e-3, eps: 1e-5), p => optim.Adam(p, 3e-3, eps: 1e-5));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Adam_updating_element_ranges_on_shard_threads_takes_exactly_the_steps_of_torchsharps_adam(int shards)
    {
        using var threads = new SobolevRL.Hardware.ShardThreads(shards);
        AssertSameTrajectory(p => new KeptAliveAdam(p, 3e-3, eps: 1e-5) { Shards = threads }, p => optim.Adam(p, 3e-3, eps: 1e-5));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Flat_adam_over_one_buffer_takes_exactly_the_steps_of_torchsharps_adam(int shards)
    {
        using var threads = new SobolevRL.Hardware.ShardThreads(shards);
        KeptAliveAdam? flat = null;
        AssertSameTrajectory(p => flat = new KeptAliveAdam(p.ToArray(), 3e-3, flat: true, eps: 1e-5) { Shards = threads }, p => optim.Adam(p, 3e-3, eps: 1e-5));
        Assert.True(flat!.LastStepFlat, "the steps did not run over the flat buffers");
    }

    [Fact]
    public void Flat_adam_keeps_the_parameters_values_and_makes_them_views_of_one_buffer()
    {
        var net = Network(seed: 4);
        var before = net.parameters().Select(p => p.detach().clone()).ToArray();
        using var adam = new KeptAliveAdam(net.parameters().ToArray(), 1e-2, flat: true);
        var after = net.parameters().ToArray();
        for (int i = 0; i < after.Length; i++) Assert.True(after[i].equal(before[i]).all().item<bool>(), "packing changed a parameter's value");
        using (no_grad()) after[0].view(-1)[0] = 5.0f; // a write through one parameter ...
        using var first = after.Last().as_strided([1], [1], 0); // ... lands in the storage the last one is a view of
        Assert.Equal(5.0f, first.item<float>());
    }

    [Fact]
    public void Flat_adam_resumed_from_its_saved_state_continues_as_if_uninterrupted()
    {
        var uninterrupted = Network(seed: 3);
        using var uninterruptedOpt = new KeptAliveAdam(uninterrupted.parameters(), 1e-2);
        Train(uninterrupted, uninterruptedOpt, steps: 10, seed: 11);

        var first = Network(seed: 3);
        using var firstOpt = new KeptAliveAdam(first.parameters().ToArray(), 1e-2, flat: true);
        Train(first, firstOpt, steps: 5, seed: 11);
        var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) firstOpt.save_state_dict(writer);

        var resumed = Network(seed: 99);
        resumed.load_state_dict(first.state_dict());
        using var resumedOpt = new KeptAliveAdam(resumed.parameters().ToArray(), 1e-2, flat: true);
        buffer.Position = 0;
        using (var reader = new BinaryReader(buffer)) resumedOpt.load_state_dict(reader);
        var generator = new Generator(11);
        for (int i = 0; i < 5; i++) // the draws of the first 5 steps
        {
            randn(32, 6, generator: generator).Dispose();
            randn(32, 3, generator: generator).Dispose();
        }
        TrainWith(resumed, resumedOpt, steps: 5, generator);

        AssertEqualParameters(uninterrupted, resumed);
        Assert.True(resumedOpt.LastStepFlat, "the resumed steps did not run over the flat buffers");
    }

    [Fact]
    public void RmsProp_takes_exactly_the_steps_of_torchsharps_rmsprop()
    {
        AssertSameTrajectory(p => new KeptAliveRmsProp(p, 3e-3), p => optim.RMSProp(p, 3e-3));
    }

    [Fact]
    public void Adam_resumed_from_its_saved_state_continues_as_if_uninterrupted()
    {
        var uninterrupted = Network(seed: 3);
        using var uninterruptedOpt = new KeptAliveAdam(uninterrupted.parameters(), 1e-2);
        Train(uninterrupted, uninterruptedOpt, steps: 5, seed: 11);
        Train(uninterrupted, uninterruptedOpt, steps: 5, seed: 12);

        var first = Network(seed: 3);
        using var firstOpt = new KeptAliveAdam(first.parameters(), 1e-2);
        Train(first, firstOpt, steps: 5, seed: 11);
        var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) firstOpt.save_state_dict(writer);

        var resumed = Network(seed: 99);
        resumed.load_state_dict(first.state_dict());
        using var resumedOpt = new KeptAliveAdam(resumed.parameters(), 1e-2);
        buffer.Position = 0;
        using (var reader = new BinaryReader(buffer)) resumedOpt.load_state_dict(reader);
        Train(resumed, resumedOpt, steps: 5, seed: 12);

        AssertEqualParameters(uninterrupted, resumed);
    }

    [Fact]
    public void Learning_rate_set_on_the_groups_is_used()
    {
        var a = Network(seed: 5);
        var b = Network(seed: 5);
        using var oa = new KeptAliveAdam(a.parameters(), 1e-2);
        using var ob = optim.Adam(b.parameters(), 1e-2);
        foreach (var g in oa.ParamGroups) g.LearningRate = 1e-4;
        foreach (var g in ob.ParamGroups) g.LearningRate = 1e-4;
        Train(a, oa, steps: 3, seed: 1);
        Train(b, ob, steps: 3, seed: 1);
        AssertEqualParameters(a, b);
    }

    private static void AssertSameTrajectory(Func<IEnumerable<Parameter>, OptimizerHelper> ours, Func<IEnumerable<Parameter>, OptimizerHelper> theirs)
    {
        var a = Network(seed: 7);
        var b = Network(seed: 7);
        using var oa = ours(a.parameters());
        using var ob = theirs(b.parameters());
        Train(a, oa, steps: 25, seed: 2);
        Train(b, ob, steps: 25, seed: 2);
        AssertEqualParameters(a, b);
        using var start = Network(seed: 7).parameters().First().detach();
        Assert.False(start.equal(a.parameters().First()).all().item<bool>(), "the optimizer did not move the weights");
    }

    private static nn.Module<Tensor, Tensor> Network(int seed)
    {
        manual_seed(seed);
        return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3));
    }

    private static void Train(nn.Module<Tensor, Tensor> net, OptimizerHelper optimizer, int steps, int seed) =>
        TrainWith(net, optimizer, steps, new Generator((ulong)seed));

    private static void TrainWith(nn.Module<Tensor, Tensor> net, OptimizerHelper optimizer, int steps, Generator generator)
    {
        for (int i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            var x = randn(32, 6, generator: generator);
            var target = randn(32, 3, generator: generator);
            optimizer.zero_grad();
            var loss = (net.call(x) - target).square().mean();
            loss.backward();
            optimizer.step();
        }
    }

    private static void AssertEqualParameters(nn.Module a, nn.Module b)
    {
        foreach (var (pa, pb) in a.parameters().Zip(b.parameters()))
            Assert.True(pa.equal(pb).all().item<bool>(), "parameters differ");
    }
}
