using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Vector;

/// <summary>
/// The bookkeeping shared by <see cref="SyncVectorEnv"/> and <see cref="ThreadedVectorEnv"/>: sub-envs, final
/// observations and infos, argument checks, and the per-sub-env step with auto-reset. Subclasses decide only which
/// thread runs which contiguous range of sub-envs. The caller's buffers are pinned for the duration of a call and
/// reached through pointers (<see cref="VectorBatch"/>), so worker threads write into them without copies or
/// allocation; nothing in this object is written during a step, so its fields stay cached on every core.
/// </summary>
public abstract unsafe class VectorEnvBase : IVectorEnv
{
    private readonly IEnv[] _envs;
    private readonly byte[] _finalObservations;
    private readonly EnvInfo[] _finalInfos;
    private readonly int _obsSize;
    private bool _needsReset = true;

    /// <summary>Takes ownership of <paramref name="envs"/> (at least one, all with the same spaces).</summary>
    protected VectorEnvBase(IReadOnlyList<IEnv> envs)
    {
        ArgumentNullException.ThrowIfNull(envs);
        if (envs.Count == 0) throw new ArgumentException("a vector env needs at least one sub-env", nameof(envs));
        _envs = [.. envs];
        var first = _envs[0];
        foreach (var env in _envs)
        {
            if (!env.ObservationSpace.Equals(first.ObservationSpace) || env.ActionSpace != first.ActionSpace)
                throw new ArgumentException($"sub-envs differ: {env.Id} {env.ObservationSpace} {env.ActionSpace} vs {first.Id} {first.ObservationSpace} {first.ActionSpace}", nameof(envs));
        }
        _obsSize = first.ObservationSpace.Size;
        _finalObservations = new byte[_envs.Length * _obsSize];
        _finalInfos = new EnvInfo[_envs.Length];
        for (int i = 0; i < _finalInfos.Length; i++) _finalInfos[i] = new EnvInfo();
    }

    /// <inheritdoc />
    public int NumEnvs => _envs.Length;

    /// <inheritdoc />
    public string Id => _envs[0].Id;

    /// <inheritdoc />
    public BoxSpace SingleObservationSpace => _envs[0].ObservationSpace;

    /// <inheritdoc />
    public DiscreteSpace ActionSpace => _envs[0].ActionSpace;

    /// <inheritdoc />
    public ReadOnlySpan<byte> FinalObservations => _finalObservations;

    /// <inheritdoc />
    public ReadOnlySpan<byte> FinalObservation(int index) => _finalObservations.AsSpan(index * _obsSize, _obsSize);

    /// <inheritdoc />
    public EnvInfo Info(int index) => _envs[index].Info;

    /// <inheritdoc />
    public EnvInfo FinalInfo(int index) => _finalInfos[index];

    /// <inheritdoc />
    public IEnv GetEnv(int index) => _envs[index];

    /// <inheritdoc />
    public void Reset(long? seed, Span<byte> observations)
    {
        CheckLength(observations.Length, NumEnvs * _obsSize, nameof(observations));
        _needsReset = true;
        fixed (byte* obs = observations)
        {
            ExecuteOrThrow(new VectorBatch { Job = VectorJob.Reset, Observations = obs, HasResetSeed = seed.HasValue, ResetSeed = seed ?? 0 });
        }
        _needsReset = false;
    }

    /// <inheritdoc />
    public void Step(ReadOnlySpan<int> actions, Span<byte> observations, Span<float> rewards, Span<bool> terminated, Span<bool> truncated)
    {
        if (_needsReset) throw new InvalidOperationException($"{Id} ×{NumEnvs}: call Reset before Step (first use, or after a sub-env failed)");
        CheckLength(actions.Length, NumEnvs, nameof(actions));
        CheckLength(observations.Length, NumEnvs * _obsSize, nameof(observations));
        CheckLength(rewards.Length, NumEnvs, nameof(rewards));
        CheckLength(terminated.Length, NumEnvs, nameof(terminated));
        CheckLength(truncated.Length, NumEnvs, nameof(truncated));
        // Vectorised: this check runs on the calling thread alone, before the work is shared out.
        int invalid = actions.IndexOfAnyExceptInRange(0, ActionSpace.N - 1);
        if (invalid >= 0)
            throw new ArgumentOutOfRangeException(nameof(actions), actions[invalid], $"action of sub-env {invalid}: {Id} has actions 0..{ActionSpace.N - 1}");
        fixed (int* a = actions)
        fixed (byte* o = observations)
        fixed (float* r = rewards)
        fixed (bool* te = terminated)
        fixed (bool* tr = truncated)
        {
            ExecuteOrThrow(new VectorBatch { Job = VectorJob.Step, Actions = a, Observations = o, Rewards = r, Terminated = te, Truncated = tr });
        }
    }

    /// <summary>Runs <paramref name="batch"/> on every sub-env, by whatever threads the subclass uses, and returns once all are done.</summary>
    /// <returns>The exception of the lowest-indexed failing sub-env, or null.</returns>
    private protected abstract Exception? Execute(in VectorBatch batch);

    /// <summary>Runs <paramref name="batch"/> on sub-envs [<paramref name="from"/>, <paramref name="to"/>); stops at and returns the first exception.</summary>
    private protected Exception? RunRange(in VectorBatch batch, int from, int to)
    {
        int i = from;
        try
        {
            for (; i < to; i++)
            {
                if (batch.Job == VectorJob.Step) StepOne(in batch, i);
                else ResetOne(in batch, i);
            }
            return null;
        }
        catch (Exception e)
        {
            e.Data["sub_env"] = i;
            return e;
        }
    }

    /// <summary>Disposes the sub-envs (subclasses stop their threads first).</summary>
    public virtual void Dispose()
    {
        foreach (var env in _envs) env.Dispose();
        GC.SuppressFinalize(this);
    }

    private void ExecuteOrThrow(in VectorBatch batch)
    {
        var error = Execute(in batch);
        if (error is null) return;
        _needsReset = true;
        ExceptionDispatchInfo.Throw(error);
    }

    // Every thread writes its sub-envs' results straight into the caller's arrays: sub-envs are handed out in
    // contiguous ranges, so two threads share a cache line of these arrays only where their ranges meet.
    private void StepOne(in VectorBatch batch, int i)
    {
        var env = _envs[i];
        var observation = new Span<byte>(batch.Observations + (long)i * _obsSize, _obsSize);
        var result = env.Step(batch.Actions[i], observation);
        batch.Rewards[i] = result.Reward;
        batch.Terminated[i] = result.Terminated;
        batch.Truncated[i] = result.Truncated;
        if (result.Done)
        {
            observation.CopyTo(_finalObservations.AsSpan(i * _obsSize, _obsSize));
            _finalInfos[i].CopyFrom(env.Info);
            env.Reset(null, observation);
        }
    }

    private void ResetOne(in VectorBatch batch, int i)
    {
        long? seed = batch.HasResetSeed ? unchecked(batch.ResetSeed + i) : null;
        _envs[i].Reset(seed, new Span<byte>(batch.Observations + (long)i * _obsSize, _obsSize));
    }

    private static void CheckLength(int actual, int expected, string name)
    {
        if (actual != expected) throw new ArgumentException($"{name} has {actual} elements, expected {expected}", name);
    }
}

/// <summary>
/// One vector-env call: what each sub-env does and where the caller's buffers are (pinned for the call). 56 bytes, so
/// that <see cref="ThreadedVectorEnv"/> can publish it to its workers in the same cache line as the call's number.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VectorBatch
{
    public VectorJob Job;
    public bool HasResetSeed;
    public int* Actions;
    public byte* Observations;
    public float* Rewards;
    public bool* Terminated;
    public bool* Truncated;
    public long ResetSeed;
}

/// <summary>What a vector env call asks of each sub-env.</summary>
public enum VectorJob
{
    /// <summary>Reset (seed + index, or unseeded).</summary>
    Reset,

    /// <summary>Step with auto-reset.</summary>
    Step,
}
