namespace SobolevRL.Teachers.Training;

/// <summary>
/// What the Atari recipes of PPO (<see cref="PpoOptions.WithAtariRecipe"/>) and DQN (<see cref="DqnOptions.WithAtariRecipe"/>)
/// share: episodic life and reward clipping in the training envs only, and the v5 evaluation protocol. Like the recipes,
/// each keeps a value the user changed from its default.
/// </summary>
internal static class AtariRecipe
{
    private static readonly string[] TrainingOnly = ["episodic_life=true", "clip_rewards=true"];

    /// <summary><paramref name="envOptions"/> with episodic life and reward clipping added where they name neither key.</summary>
    public static List<string> TrainingEnvOptions(List<string> envOptions) =>
        [.. TrainingOnly.Where(o => !envOptions.Any(x => x.Split('=')[0].Trim() == o.Split('=')[0])), .. envOptions];

    /// <summary>
    /// The v5 protocol for every evaluation key still at its default: sticky actions 0.25, whole episodes (up to ALE's
    /// 108,000-frame cap), 10 episodes per acting mode.
    /// </summary>
    public static EvaluationOptions Evaluation(EvaluationOptions evaluation)
    {
        var e = new EvaluationOptions();
        return evaluation with
        {
            Episodes = evaluation.Episodes == e.Episodes ? 10 : evaluation.Episodes,
            StickyActionProb = evaluation.StickyActionProb == e.StickyActionProb ? 0.25 : evaluation.StickyActionProb,
            MaxEpisodeSteps = evaluation.MaxEpisodeSteps == e.MaxEpisodeSteps ? 0 : evaluation.MaxEpisodeSteps,
        };
    }
}
