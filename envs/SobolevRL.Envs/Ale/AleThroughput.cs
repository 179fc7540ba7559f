using System.Diagnostics;

namespace SobolevRL.Envs.Ale;

/// <summary>
/// Measures the cost of the C# binding: <see cref="ManagedFramesPerSecond"/> runs through the binding the same loop the
/// shim runs natively (<see cref="AleEmulator.NativeBenchmark"/>): uniformly random minimal actions from the same
/// xorshift64* generator, one <c>act</c> and one <c>game_over</c> per frame (plus the grayscale screen when asked), a
/// reset when the game is over. Started from the same state with the same seed, both play the same frames.
/// </summary>
public static class AleThroughput
{
    /// <summary>Frames per second of the managed loop over <paramref name="frames"/> frames.</summary>
    public static double ManagedFramesPerSecond(AleEmulator emulator, long frames, ulong seed, bool grayscale)
    {
        ArgumentNullException.ThrowIfNull(emulator);
        ArgumentOutOfRangeException.ThrowIfLessThan(frames, 1);
        var actions = emulator.MinimalActionSet.ToArray();
        var screen = new byte[emulator.ScreenHeight * emulator.ScreenWidth];
        ulong state = seed == 0 ? 0x9E3779B97F4A7C15UL : seed;
        long start = Stopwatch.GetTimestamp();
        for (long frame = 0; frame < frames; frame++)
        {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            ulong draw = unchecked(state * 0x2545F4914F6CDD1DUL);
            emulator.Act(actions[(int)((draw >> 32) % (ulong)actions.Length)]);
            if (grayscale) emulator.GetScreenGrayscale(screen);
            if (emulator.IsGameOver) emulator.ResetGame();
        }
        return frames / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}
