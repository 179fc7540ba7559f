using static TorchSharp.torch;

namespace SobolevRL.Replay;

/// <summary>A labelled dataset a student can be distilled from: a sampler over its train split and its held-out states.</summary>
public interface IReplayDataset : IDisposable
{
    /// <summary>What the dataset holds.</summary>
    DatasetSummary Summary { get; }

    /// <summary>
    /// A sampler of train minibatches, deterministic for (<paramref name="seed"/>, position), starting at
    /// <paramref name="position"/>, that never draws the validation states of <paramref name="validationFraction"/>.
    /// </summary>
    IReplaySampler OpenSampler(int batchSize, long seed, long position, Device device, double validationFraction = 0);

    /// <summary>
    /// Up to <paramref name="maxStates"/> states of the validation split: <paramref name="validationFraction"/> of the
    /// training split (whole episodes where the dataset knows them), never held-out states; null when the training split
    /// is too small to split (a single episode). Validation compares policies only, so the batch holds observations, teacher
    /// logits and actions, without gradient labels or projections (on Atari those would be ~28 KB per state read for nothing).
    /// </summary>
    ReplayBatch? Validation(double validationFraction, int maxStates, Device device);

    /// <summary>The first <paramref name="maxStates"/> held-out states with their labels, on <paramref name="device"/>.</summary>
    ReplayBatch HeldOut(int maxStates, Device device);
}
