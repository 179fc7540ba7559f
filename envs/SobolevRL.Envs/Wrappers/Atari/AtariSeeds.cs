namespace SobolevRL.Envs.Wrappers.Atari;

/// <summary>
/// Derives independent seeds from one user seed for the generators of the Atari stack (ALE's own, the no-op count), so
/// seeding every layer with the same number does not replay one stream in several places.
/// </summary>
public static class AtariSeeds
{
    /// <summary>Stream tag of ALE's generator (sticky actions).</summary>
    public const ulong AleStream = 0x414C_45UL;

    /// <summary>Stream tag of <see cref="NoopReset"/>.</summary>
    public const ulong NoopResetStream = 0x4E4F_4F50UL;

    /// <summary>A well-mixed 64-bit value from <paramref name="seed"/> and a stream tag (SplitMix64 finaliser).</summary>
    public static ulong Mix(long seed, ulong stream)
    {
        ulong z = unchecked((ulong)seed + stream * 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
