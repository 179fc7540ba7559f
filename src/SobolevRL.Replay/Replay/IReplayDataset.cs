using static TorchSharp.torch;

namespace SobolevRL.Replay;

/// <summary>A labelled dataset a student can be distilled from: a sampler over its train split and its held-out states.</summary>
public interface IReplayDataset : IDisposable
{
    /// <summary>What the dataset holds.</summary>
    DatasetSummary Summary { get; }

    /// <summary>A sampler of train minibatches, deterministic for (<paramref name="seed"/>, position), starting at <paramref name="position"/>.</summary>
    IReplaySampler OpenSampler(int batchSize, long seed, long position, Device device);

    /// <summary>The first <paramref name="maxStates"/> held-out states with their labels, on <paramref name="device"/>.</summary>
    ReplayBatch HeldOut(int maxStates, Device device);
}
