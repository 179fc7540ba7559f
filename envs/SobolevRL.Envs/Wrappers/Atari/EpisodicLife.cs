using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Wrappers.Atari;

/// <summary>
/// Makes each life an episode, as in Nature DQN's training setup (and Stable-Baselines3's <c>EpisodicLifeEnv</c>): a
/// step that loses a life (lives drop and some remain) reports <c>terminated</c>. The following reset continues the
/// same game with one no-op step instead of restarting it; only when the game really ended (or on a reset with a
/// seed) is the inner environment reset. Lives are read from the inner <see cref="EnvInfo"/> (<see cref="InfoKeys.Lives"/>).
/// </summary>
public sealed class EpisodicLife : EnvWrapper
{
    private int _lives;
    private bool _gameOver = true;
    private bool _needsReset = true;

    /// <summary>Wraps <paramref name="inner"/>; <paramref name="noopAction"/> is the no-op used to continue after a lost life.</summary>
    public EpisodicLife(IEnv inner, int noopAction = 0) : base(inner)
    {
        if (!inner.ActionSpace.Contains(noopAction))
            throw new ArgumentOutOfRangeException(nameof(noopAction), noopAction, $"{inner.Id}: not an action of {inner.ActionSpace}");
        NoopAction = noopAction;
    }

    /// <summary>Index of the no-op action.</summary>
    public int NoopAction { get; }

    /// <summary>True when the last episode ended with the game itself (not just a life).</summary>
    public bool GameOver => _gameOver;

    /// <inheritdoc />
    public override void Reset(long? seed, Span<byte> observation)
    {
        if (_gameOver || seed is not null)
        {
            Inner.Reset(seed, observation);
        }
        else if (Inner.Step(NoopAction, observation).Done)
        {
            Inner.Reset(null, observation);
        }
        _gameOver = false;
        _needsReset = false;
        _lives = ReadLives();
    }

    /// <inheritdoc />
    public override StepResult Step(int action, Span<byte> observation)
    {
        if (_needsReset) throw new InvalidOperationException($"{Id}: the episode is over (or was never started); call Reset before Step");
        var result = Inner.Step(action, observation);
        _gameOver = result.Done;
        int lives = ReadLives();
        if (lives < _lives && lives > 0) result = result with { Terminated = true };
        _lives = lives;
        _needsReset = result.Done;
        return result;
    }

    private int ReadLives() =>
        (int)(Info.Get(InfoKeys.Lives) ?? throw new InvalidOperationException($"{Id}: episodic life needs the inner environment to report '{InfoKeys.Lives}' in its info"));
}
