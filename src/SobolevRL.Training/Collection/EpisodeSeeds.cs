using SobolevRL.Envs.Wrappers;

namespace SobolevRL.Collection;

/// <summary>
/// Everything random in a collection derives from the collection seed and the episode id, so any episode can be
/// run again on its own: its environment seed, its acting randomness, and whether it is held out.
/// </summary>
public static class EpisodeSeeds
{
    private const ulong EnvStream = 0x454E_565FUL;
    private const ulong ActingStream = 0x4143_545FUL;
    private const ulong SplitStream = 0x5350_4C54UL;
    private const ulong ProjectionStream = 0x5052_4F4AUL;
    private const ulong SlotSplitStream = 0x534C_4F54UL;

    /// <summary>Reset seed of episode <paramref name="episode"/>'s environment.</summary>
    public static long EnvSeed(long seed, long episode) => SeedMixer.ToUInt32(Combine(seed, episode), EnvStream);

    /// <summary>Seed of the acting randomness (ε, sampling, mixture draws) of an episode.</summary>
    public static int ActingSeed(long seed, long episode) => (int)SeedMixer.ToUInt32(Combine(seed, episode), ActingStream);

    /// <summary>Seed of the generator of vjp projection vectors for the <paramref name="part"/>-th run of a collection (0, then one per resume).</summary>
    public static long ProjectionSeed(long seed, int part) => SeedMixer.ToUInt32(Combine(seed, part), ProjectionStream);

    /// <summary>True when episode <paramref name="episode"/> belongs to the held-out split (probability <paramref name="fraction"/>).</summary>
    public static bool IsHeldOut(long seed, long episode, double fraction) =>
        fraction > 0 && SeedMixer.ToUInt32(Combine(seed, episode), SplitStream) / 4294967296.0 < fraction;

    /// <summary>
    /// True when env slot <paramref name="slot"/> of <paramref name="slots"/> is held out whole under the
    /// <see cref="HeldOutSplit.Streams"/> rule: the round(<paramref name="fraction"/> · <paramref name="slots"/>) slots (at
    /// least 1, at most <paramref name="slots"/> − 1) that come first in a seeded order are. None when the fraction is 0.
    /// </summary>
    public static bool IsHeldOutSlot(long seed, int slot, double fraction, int slots)
    {
        if (fraction <= 0 || slots < 2) return false;
        int count = Math.Clamp((int)Math.Round(fraction * slots, MidpointRounding.AwayFromZero), 1, slots - 1);
        uint key = SeedMixer.ToUInt32(Combine(seed, slot), SlotSplitStream);
        int rank = 0;
        for (int s = 0; s < slots; s++)
        {
            uint other = SeedMixer.ToUInt32(Combine(seed, s), SlotSplitStream);
            if (other < key || (other == key && s < slot)) rank++;
        }
        return rank < count;
    }

    private static long Combine(long seed, long episode) => unchecked(seed * 0x100000001B3L + episode * 0x2545F4914F6CDD1DL);
}
