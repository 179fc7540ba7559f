namespace SobolevRL.Envs.Wrappers.Atari;

/// <summary>
/// Derives independent seeds from one user seed for the generators of the Atari stack (ALE's own, the no-op count), so
/// seeding every layer with the same number does not replay one stream in several places (mixed by <see cref="SeedMixer"/>).
/// </summary>
public static class AtariSeeds
{
    /// <summary>Stream tag of ALE's generator (sticky actions).</summary>
    public const ulong AleStream = 0x414C_45UL;

    /// <summary>Stream tag of <see cref="NoopReset"/>.</summary>
    public const ulong NoopResetStream = 0x4E4F_4F50UL;
}
