using SobolevRL.Envs.Random;

namespace SobolevRL.Envs.MinAtar;

/// <summary>
/// The rules of one MinAtar game on the 10×10 grid, as in MinAtar v1.0.15. A game draws every random number from the
/// <see cref="NumpyRandomState"/> it was built with, in the same order as the reference, so trajectories can be compared
/// with it step for step. Actions are indices into the full set 0..5 = noop, left, up, right, down, fire.
/// </summary>
public interface IMinAtarGame
{
    /// <summary>Game name as in the ids, e.g. <c>Breakout</c>.</summary>
    string Name { get; }

    /// <summary>Names of the observation channels, in order.</summary>
    IReadOnlyList<string> ChannelNames { get; }

    /// <summary>Indices (into the full 6-action set) of the game's minimal action set, as in the reference.</summary>
    IReadOnlyList<int> MinimalActionSet { get; }

    /// <summary>Starts a new game (drawing from the generator where the reference does).</summary>
    void Reset();

    /// <summary>Plays one frame with <paramref name="action"/> (0..5) and returns the reward and whether the game ended.</summary>
    (float Reward, bool Terminal) Act(int action);

    /// <summary>Writes the state as channels×10×10 (CHW) 0/1 bytes into <paramref name="chw"/>.</summary>
    void WriteState(Span<byte> chw);
}
