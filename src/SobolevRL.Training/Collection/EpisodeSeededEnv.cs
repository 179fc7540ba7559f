using SobolevRL.Envs.Core;

namespace SobolevRL.Collection;

/// <summary>
/// An env slot of a collection: every reset (including a vector env's auto-reset) starts the slot's next episode id
/// (<c>first</c>, first + stride, first + 2·stride, …) with that episode's own seed, so episode e is the same whatever ran
/// before it — which is what makes a resumed collection well defined.
/// </summary>
public sealed class EpisodeSeededEnv(IEnv inner, long firstEpisode, int stride, long collectionSeed) : EnvWrapper(inner)
{
    private long _next = firstEpisode;

    /// <summary>Id of the episode running now (valid after the first reset).</summary>
    public long CurrentEpisode { get; private set; } = -1;

    /// <inheritdoc />
    public override void Reset(long? seed, Span<byte> observation)
    {
        CurrentEpisode = _next;
        _next += stride;
        Inner.Reset(EpisodeSeeds.EnvSeed(collectionSeed, CurrentEpisode), observation);
    }
}
