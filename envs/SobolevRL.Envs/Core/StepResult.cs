namespace SobolevRL.Envs.Core;

/// <summary>Outcome of one <see cref="IEnv.Step"/> (the observation is written into the caller's buffer).</summary>
/// <param name="Reward">Reward of the transition.</param>
/// <param name="Terminated">The episode reached a terminal state of the game (Gymnasium semantics).</param>
/// <param name="Truncated">The episode was cut short by a limit outside the game (e.g. a time limit).</param>
public readonly record struct StepResult(float Reward, bool Terminated, bool Truncated)
{
    /// <summary>True when the episode is over, for either reason.</summary>
    public bool Done => Terminated || Truncated;
}
