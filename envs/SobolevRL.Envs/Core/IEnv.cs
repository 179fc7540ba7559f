namespace SobolevRL.Envs.Core;

/// <summary>
/// A Gymnasium-style environment. Observations are CHW <c>uint8</c> arrays written into caller-owned memory,
/// so stepping allocates nothing. Randomness comes from a generator owned by the environment and seeded by
/// <see cref="Reset"/>: the same seed and the same actions give the same trajectory, bit for bit.
/// </summary>
public interface IEnv : IDisposable
{
    /// <summary>The id the environment was made from, e.g. <c>MinAtar/Breakout-v1</c>.</summary>
    string Id { get; }

    /// <summary>Shape, type and range of observations.</summary>
    BoxSpace ObservationSpace { get; }

    /// <summary>The discrete actions.</summary>
    DiscreteSpace ActionSpace { get; }

    /// <summary>Info of the last reset or step (reused object; see <see cref="EnvInfo"/>).</summary>
    EnvInfo Info { get; }

    /// <summary>
    /// Starts a new episode and writes its first observation into <paramref name="observation"/>
    /// (length <see cref="BoxSpace.Size"/>). With a seed, the generator is re-seeded; without one it continues.
    /// </summary>
    void Reset(long? seed, Span<byte> observation);

    /// <summary>
    /// Applies <paramref name="action"/> and writes the next observation into <paramref name="observation"/>.
    /// An invalid action throws <see cref="ArgumentOutOfRangeException"/> and leaves the state unchanged.
    /// Stepping after the episode ended, without a reset, throws <see cref="InvalidOperationException"/>.
    /// </summary>
    StepResult Step(int action, Span<byte> observation);
}
