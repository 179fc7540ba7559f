namespace SobolevRL.Envs.Registry;

/// <summary>One row of <see cref="EnvRegistry.List"/>: an id, the family prefix it belongs to, and what it is.</summary>
/// <param name="Id">Full id, e.g. <c>MinAtar/Breakout-v1</c>.</param>
/// <param name="Family">Prefix of the family that makes it, e.g. <c>MinAtar/</c>.</param>
/// <param name="Description">One line: the game and the default wrappers.</param>
public sealed record EnvListing(string Id, string Family, string Description);
