namespace SobolevRL.Tests;

/// <summary>
/// Tests that set or depend on libtorch's process-wide state (the global random generator, the intra-op thread count)
/// run in this collection, alone: xunit would otherwise run them beside other test classes that draw from the same
/// generator or change the thread count, and same-seed determinism checks would fail by interference.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchGlobalState
{
    public const string Name = "libtorch global state";
}
