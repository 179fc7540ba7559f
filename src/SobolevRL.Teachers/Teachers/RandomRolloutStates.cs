using SobolevRL.Envs.Core;

namespace SobolevRL.Teachers;

/// <summary>Real environment states from a uniformly random policy (to check or probe a teacher on states it will meet).</summary>
public static class RandomRolloutStates
{
    /// <summary>
    /// Plays uniformly random actions from a reset with <paramref name="seed"/> (resetting at episode ends) and returns
    /// <paramref name="count"/> consecutive observations, count × observation size bytes (CHW each).
    /// </summary>
    public static byte[] Collect(IEnv env, int count, long seed)
    {
        int size = env.ObservationSpace.Size;
        var states = new byte[count * size];
        var random = new Random(unchecked((int)seed));
        env.Reset(seed, states.AsSpan(0, size));
        for (int i = 1; i < count; i++)
        {
            Span<byte> obs = states.AsSpan(i * size, size);
            StepResult step = env.Step(random.Next(env.ActionSpace.N), obs);
            if (step.Done) env.Reset(null, obs);
        }
        return states;
    }
}
