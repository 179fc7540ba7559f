using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Vector;

/// <summary>
/// The bookkeeping shared by <see cref="SyncVectorEnv"/> and <see cref="ThreadedVectorEnv"/>: sub-envs, final
/// observations and infos, argument checks, and the per-sub-env step with auto-reset. Subclasses decide only which
/// thread runs which contiguous range of sub-envs. The caller's buffers are pinned for the duration of a call and
/// reached through pointers, so worker threads can write into them without copies or allocation.
/// </summary>
public abstract unsafe class VectorEnvBase : IVectorEnv
{
    private readonly IEnv[] _envs;
    private readonly byte[] _finalObservations;
    private readonly EnvInfo[] _finalInfos;
    private readonly int _obsSize;
    private bool _needsReset = true;

    // The batch of the call in progress; written by the calling thread before work is handed out.
    private int* _actions;
    private byte* _observations;
    // Step results land here first, one cache line per sub-env, so threads stepping neighbouring sub-envs do not
    // fight over the line holding the caller's small reward and flag arrays; the caller copies them out afterwards.
    private readonly PaddedStepResult[] _results;
    private long? _resetSeed;

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
        _results = new PaddedStepResult[_envs.Length];
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
            _observations = obs;
            _resetSeed = seed;
            try
            {
                ExecuteOrThrow(VectorJob.Reset);
            }
            finally
            {
                _observations = null;
            }
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
        for (int i = 0; i < actions.Length; i++)
        {
            if (!ActionSpace.Contains(actions[i]))
                throw new ArgumentOutOfRangeException(nameof(actions), actions[i], $"action of sub-env {i}: {Id} has actions 0..{ActionSpace.N - 1}");
        }
        fixed (int* a = actions)
        fixed (byte* o = observations)
        {
            _actions = a;
            _observations = o;
            try
            {
                ExecuteOrThrow(VectorJob.Step);
            }
            finally
            {
                _actions = null;
                _observations = null;
            }
        }
        for (int i = 0; i < _results.Length; i++)
        {
            var result = _results[i].Value;
            rewards[i] = result.Reward;
            terminated[i] = result.Terminated;
            truncated[i] = result.Truncated;
        }
    }

    /// <summary>Runs <paramref name="job"/> on every sub-env, by whatever threads the subclass uses, and returns once all are done.</summary>
    /// <returns>The exception of the lowest-indexed failing sub-env, or null.</returns>
    protected abstract Exception? Execute(VectorJob job);

    /// <summary>Runs <paramref name="job"/> on sub-envs [<paramref name="from"/>, <paramref name="to"/>); stops at and returns the first exception.</summary>
    protected Exception? RunRange(VectorJob job, int from, int to)
    {
        int i = from;
        try
        {
            for (; i < to; i++)
            {
                if (job == VectorJob.Step) StepOne(i);
                else ResetOne(i);
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

    private void ExecuteOrThrow(VectorJob job)
    {
        var error = Execute(job);
        if (error is null) return;
        _needsReset = true;
        ExceptionDispatchInfo.Throw(error);
    }

    private void StepOne(int i)
    {
        var env = _envs[i];
        var observation = new Span<byte>(_observations + (long)i * _obsSize, _obsSize);
        var result = env.Step(_actions[i], observation);
        _results[i].Value = result;
        if (result.Done)
        {
            observation.CopyTo(_finalObservations.AsSpan(i * _obsSize, _obsSize));
            _finalInfos[i].CopyFrom(env.Info);
            env.Reset(null, observation);
        }
    }

    private void ResetOne(int i)
    {
        long? seed = _resetSeed is long s ? unchecked(s + i) : null;
        _envs[i].Reset(seed, new Span<byte>(_observations + (long)i * _obsSize, _obsSize));
    }

    private static void CheckLength(int actual, int expected, string name)
    {
        if (actual != expected) throw new ArgumentException($"{name} has {actual} elements, expected {expected}", name);
    }
}

/// <summary>A step result alone in a 64-byte cache line.</summary>
[StructLayout(LayoutKind.Sequential, Size = 64)]
internal struct PaddedStepResult
{
    public StepResult Value;
}

/// <summary>What a vector env call asks of each sub-env.</summary>
public enum VectorJob
{
    /// <summary>Reset (seed + index, or unseeded).</summary>
    Reset,

    /// <summary>Step with auto-reset.</summary>
    Step,
}
