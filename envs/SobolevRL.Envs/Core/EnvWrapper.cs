namespace SobolevRL.Envs.Core;

/// <summary>Base of composable wrappers: forwards everything to <see cref="Inner"/>; override what changes.</summary>
public abstract class EnvWrapper(IEnv inner) : IEnv
{
    /// <summary>The wrapped environment.</summary>
    protected IEnv Inner { get; } = inner;

    /// <inheritdoc />
    public virtual string Id => Inner.Id;

    /// <inheritdoc />
    public virtual BoxSpace ObservationSpace => Inner.ObservationSpace;

    /// <inheritdoc />
    public virtual DiscreteSpace ActionSpace => Inner.ActionSpace;

    /// <inheritdoc />
    public virtual EnvInfo Info => Inner.Info;

    /// <inheritdoc />
    public virtual void Reset(long? seed, Span<byte> observation) => Inner.Reset(seed, observation);

    /// <inheritdoc />
    public virtual StepResult Step(int action, Span<byte> observation) => Inner.Step(action, observation);

    /// <summary>Finds the innermost environment of type <typeparamref name="T"/> in this chain, or null.</summary>
    public T? Unwrap<T>() where T : class, IEnv =>
        this as T ?? (Inner is EnvWrapper w ? w.Unwrap<T>() : Inner as T);

    /// <inheritdoc />
    public virtual void Dispose()
    {
        Inner.Dispose();
        GC.SuppressFinalize(this);
    }
}
