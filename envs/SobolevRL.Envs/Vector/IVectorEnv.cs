using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Vector;

/// <summary>
/// <see cref="NumEnvs"/> copies of one environment stepped together, with batched, caller-owned buffers:
/// observations are one contiguous array of <c>NumEnvs × SingleObservationSpace.Size</c> bytes (env i at offset
/// <c>i × Size</c>), actions/rewards/terminated/truncated one element per env.
/// <para>
/// <b>Auto-reset, "same-step" (Gymnasium 1.x <c>SAME_STEP</c> mode).</b> When sub-env i's episode ends during
/// <see cref="Step"/> (terminated or truncated), its last observation is copied to row i of
/// <see cref="FinalObservations"/> and its step info to <see cref="FinalInfo"/>(i); the sub-env is reset at once
/// (unseeded: its generator continues) and the observation returned in row i of the batch is the <i>first
/// observation of the new episode</i>; <see cref="Info"/>(i) is then the reset info. Reward, terminated and
/// truncated of row i belong to the step that ended the old episode. So a learner bootstrapping from the next
/// state of a truncated episode must read it from <see cref="FinalObservations"/>, and every returned observation
/// is one the next action can be taken from: there is no "dead" step.
/// </para>
/// <para>
/// <b>Seeding.</b> <see cref="Reset"/> with seed s resets sub-env i with seed s + i; without a seed every sub-env
/// continues its own generator. Results depend only on the seed and the actions, never on threads or timing.
/// </para>
/// </summary>
public interface IVectorEnv : IDisposable
{
    /// <summary>Number of sub-environments E.</summary>
    int NumEnvs { get; }

    /// <summary>Id of the sub-environments.</summary>
    string Id { get; }

    /// <summary>Observation space of one sub-environment.</summary>
    BoxSpace SingleObservationSpace { get; }

    /// <summary>Action space of one sub-environment.</summary>
    DiscreteSpace ActionSpace { get; }

    /// <summary>Resets every sub-env (i with <paramref name="seed"/> + i) and writes the E first observations.</summary>
    void Reset(long? seed, Span<byte> observations);

    /// <summary>
    /// Steps every sub-env i with <paramref name="actions"/>[i], auto-resetting those whose episode ends (see the type
    /// summary). Every action is validated first: an invalid one throws <see cref="ArgumentOutOfRangeException"/>
    /// before any sub-env moves. An exception thrown by a sub-env (on whatever thread) is re-thrown here with its
    /// original type and stack, the failing sub-env index in <c>Data["sub_env"]</c>; the vector env then needs
    /// a <see cref="Reset"/>.
    /// </summary>
    void Step(ReadOnlySpan<int> actions, Span<byte> observations, Span<float> rewards, Span<bool> terminated, Span<bool> truncated);

    /// <summary>E × observation-size bytes; row i holds the last observation of sub-env i's episode if it ended at the last step.</summary>
    ReadOnlySpan<byte> FinalObservations { get; }

    /// <summary>Row i of <see cref="FinalObservations"/>.</summary>
    ReadOnlySpan<byte> FinalObservation(int index);

    /// <summary>Info of sub-env i's last step (or the reset that followed it, after an auto-reset).</summary>
    EnvInfo Info(int index);

    /// <summary>Info of the step that ended sub-env i's episode at the last <see cref="Step"/> (valid only then).</summary>
    EnvInfo FinalInfo(int index);

    /// <summary>Sub-env i itself, e.g. to <see cref="EnvWrapper.Unwrap{T}"/> it; do not reset or step it directly.</summary>
    IEnv GetEnv(int index);
}
