using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Wrappers.Atari;

/// <summary>
/// An environment that can step without producing its observation and produce it later on demand. Frame skipping uses
/// it to read the screen only for the frames it keeps (the last two of each skip), which saves a screen conversion per
/// skipped frame.
/// </summary>
public interface IDeferredObservationEnv : IEnv
{
    /// <summary>Same as <see cref="IEnv.Step"/> (same checks, state change and result) but writes no observation.</summary>
    StepResult StepWithoutObservation(int action);

    /// <summary>Writes the observation of the current state (what the last reset or step would have written).</summary>
    void WriteObservation(Span<byte> observation);
}
