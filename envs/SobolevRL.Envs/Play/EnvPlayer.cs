using SobolevRL.Envs.Core;
using SobolevRL.Envs.Rendering;

namespace SobolevRL.Envs.Play;

/// <summary>Plays whole episodes of one environment with a policy, optionally recording them as a GIF (<c>sobolevrl env play</c>).</summary>
public static class EnvPlayer
{
    /// <summary>
    /// Plays <paramref name="episodes"/> episodes. The first reset uses <paramref name="seed"/>; later episodes reset
    /// without a seed, so the environment's generator continues and the whole run is reproducible from that one seed.
    /// With <paramref name="gifPath"/>, every observation (the first of each episode included) is drawn into an
    /// animated GIF, up to <paramref name="gifMaxFrames"/> frames.
    /// </summary>
    /// <param name="env">The environment; not disposed.</param>
    /// <param name="policy">Maps an observation to an action.</param>
    /// <param name="episodes">Number of episodes, ≥ 1.</param>
    /// <param name="seed">Seed of the first reset.</param>
    /// <param name="gifPath">Where to write the GIF, or null.</param>
    /// <param name="maxEpisodeSteps">Cut an episode after this many steps (reported as truncated); 0 for no limit.</param>
    /// <param name="gifMaxFrames">Frames after which recording stops (playing goes on).</param>
    /// <param name="onEpisode">Called after each episode, e.g. to print progress.</param>
    public static PlayResult Play(IEnv env, Func<ReadOnlySpan<byte>, int> policy, int episodes, long seed, string? gifPath = null,
        int maxEpisodeSteps = 0, int gifMaxFrames = 5000, Action<EpisodeOutcome>? onEpisode = null)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentOutOfRangeException.ThrowIfLessThan(episodes, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxEpisodeSteps);
        var observation = new byte[env.ObservationSpace.Size];
        var outcomes = new List<EpisodeOutcome>(episodes);
        using var recorder = gifPath is null ? null : new GifRecorder(gifPath, env.ObservationSpace);
        void Record()
        {
            if (recorder is not null && recorder.FrameCount < gifMaxFrames) recorder.Add(observation);
        }

        for (int episode = 0; episode < episodes; episode++)
        {
            env.Reset(episode == 0 ? seed : null, observation);
            Record();
            double total = 0;
            int length = 0;
            StepResult result;
            do
            {
                int action;
                try
                {
                    action = policy(observation);
                }
                catch (NotFiniteNumberException e)
                {
                    // Name the state, so the failure can be replayed: env play / eval with this seed reach it again.
                    throw new NotFiniteNumberException($"at episode {episode} step {length} (episodes from seed {seed}): {e.Message}", e);
                }
                result = env.Step(action, observation);
                total += result.Reward;
                length++;
                Record();
            } while (!result.Done && (maxEpisodeSteps == 0 || length < maxEpisodeSteps));
            var outcome = new EpisodeOutcome(episode, total, length, !result.Terminated);
            outcomes.Add(outcome);
            onEpisode?.Invoke(outcome);
        }
        return new PlayResult(outcomes, recorder?.FrameCount ?? 0);
    }
}
