namespace SobolevRL.Envs.Wrappers;

/// <summary>
/// Derives independent 32-bit generator seeds from one user seed, so a wrapper seeded with the same number as the
/// environment it wraps does not replay the same random stream.
/// </summary>
public static class SeedMixer
{
    /// <summary>Stream tag of <see cref="StickyActions"/>.</summary>
    public const ulong StickyActionsStream = 0x5354_4943_4B59UL;

    /// <summary>A well-mixed 64-bit value from <paramref name="seed"/> and a per-user <paramref name="stream"/> tag (SplitMix64 finaliser).</summary>
    public static ulong Mix(long seed, ulong stream) => Finalise(unchecked((ulong)seed + stream * Golden));

    /// <summary>2⁶⁴ / φ, SplitMix64's increment: spreads consecutive inputs over the whole range.</summary>
    public const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>SplitMix64's finaliser: every input bit affects every output bit (the one implementation in the project).</summary>
    public static ulong Finalise(ulong z)
    {
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    /// <summary>A well-mixed 32-bit seed from <paramref name="seed"/> and a per-user <paramref name="stream"/> tag.</summary>
    public static uint ToUInt32(long seed, ulong stream)
    {
        ulong z = Mix(seed, stream);
        return (uint)(z ^ (z >> 32));
    }
}
