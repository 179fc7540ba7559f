using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Wrappers;

/// <summary>
/// Stacks the last <see cref="Depth"/> observations along the channel axis: an inner space (C, H, W) becomes
/// (Depth·C, H, W), oldest frame first, newest last (channels [(Depth−1)·C, Depth·C) are the current observation).
/// At reset every slot is filled with the first observation, the usual convention (DQN, Gymnasium), so the stack is
/// always full. Frames live in a ring allocated once; a step writes the new frame into the ring and copies the
/// stack to the caller's buffer, allocating nothing.
/// </summary>
public sealed class FrameStack : EnvWrapper
{
    private readonly byte[] _ring;
    private readonly int _frameSize;
    private int _newest;

    /// <summary>Wraps <paramref name="inner"/>, stacking <paramref name="depth"/> (≥ 1) frames.</summary>
    public FrameStack(IEnv inner, int depth) : base(inner)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        var space = inner.ObservationSpace;
        if (space.Shape.Length != 3) throw new ArgumentException($"{inner.Id}: frame stacking needs a CHW observation, got {space}", nameof(inner));
        Depth = depth;
        _frameSize = space.Size;
        _ring = new byte[depth * _frameSize];
        ObservationSpace = new BoxSpace([depth * space.Shape[0], space.Shape[1], space.Shape[2]], space.Low, space.High);
    }

    /// <summary>Number of stacked frames.</summary>
    public int Depth { get; }

    /// <inheritdoc />
    public override BoxSpace ObservationSpace { get; }

    /// <inheritdoc />
    public override void Reset(long? seed, Span<byte> observation)
    {
        CheckLength(observation);
        _newest = 0;
        var first = Slot(0);
        Inner.Reset(seed, first);
        for (int i = 1; i < Depth; i++) first.CopyTo(Slot(i));
        WriteStack(observation);
    }

    /// <inheritdoc />
    public override StepResult Step(int action, Span<byte> observation)
    {
        CheckLength(observation);
        int next = (_newest + 1) % Depth;
        // The new frame overwrites the oldest slot; an inner env that rejects the action writes nothing (IEnv contract).
        var result = Inner.Step(action, Slot(next));
        _newest = next;
        WriteStack(observation);
        return result;
    }

    private Span<byte> Slot(int index) => _ring.AsSpan(index * _frameSize, _frameSize);

    private void WriteStack(Span<byte> observation)
    {
        for (int age = Depth - 1, position = 0; age >= 0; age--, position++)
            Slot((_newest - age + Depth) % Depth).CopyTo(observation.Slice(position * _frameSize, _frameSize));
    }

    private void CheckLength(Span<byte> observation)
    {
        if (observation.Length != Depth * _frameSize)
            throw new ArgumentException($"{Id}: observation buffer has {observation.Length} bytes, the stacked observation {Depth * _frameSize}", nameof(observation));
    }
}
