using SobolevRL.Envs.Registry;
using SobolevRL.Envs.Vector;

namespace SobolevRL.Envs.Tests.Vector;

/// <summary>Measures allocation over all threads, so it must not run beside other tests.</summary>
[CollectionDefinition(nameof(AllocationMeasurement), DisableParallelization = true)]
public sealed class AllocationMeasurement;

[Collection(nameof(AllocationMeasurement))]
public class VectorEnvAllocationTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void StepsAllocateNothingOnAnyThread(int threads)
    {
        var registry = EnvRegistry.CreateDefault();
        using var venv = VectorEnvFactory.Create(_ => registry.Make("MinAtar/Asterix-v1"), 4, threads);
        var obs = new byte[4 * venv.SingleObservationSpace.Size];
        var actions = new int[4];
        var rewards = new float[4];
        var terminated = new bool[4];
        var truncated = new bool[4];
        venv.Reset(0, obs);
        void Run(int steps)
        {
            for (int t = 0; t < steps; t++)
            {
                for (int i = 0; i < 4; i++) actions[i] = (t + i) % venv.ActionSpace.N;
                venv.Step(actions, obs, rewards, terminated, truncated);
            }
        }
        Run(500);
        // Tiered JIT compilation allocates a little in the background while the code warms up; a per-step
        // allocation would show in every measurement, so the smallest of a few is the one to judge.
        long smallest = long.MaxValue;
        for (int attempt = 0; attempt < 3 && smallest >= 2048; attempt++)
        {
            Thread.Sleep(200);
            long before = GC.GetTotalAllocatedBytes(precise: true);
            Run(3000);
            smallest = Math.Min(smallest, GC.GetTotalAllocatedBytes(precise: true) - before);
        }
        // Anything per step would be at least 3000 × 24 bytes.
        Assert.True(smallest < 2048, $"{smallest} bytes allocated over 3000 vector steps");
    }
}
