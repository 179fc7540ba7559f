namespace SobolevRL.Envs.Ale;

/// <summary>What an <see cref="AleEnv"/> observes of the screen.</summary>
public enum AleObservationType
{
    /// <summary>ALE's grey levels (its palette's luminance), 1×210×160.</summary>
    Grayscale,

    /// <summary>Colour, 3×210×160 (CHW: the R plane, then G, then B).</summary>
    Rgb,
}
