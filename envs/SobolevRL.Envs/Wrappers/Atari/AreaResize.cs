using SobolevRL.Envs.Core;

namespace SobolevRL.Envs.Wrappers.Atari;

/// <summary>
/// Shrinks every channel of the observation to <see cref="Height"/>×<see cref="Width"/> by area averaging (OpenCV's
/// <c>INTER_AREA</c>; see <see cref="AreaResampler"/>), e.g. Atari's 210×160 screens to 84×84.
/// </summary>
public sealed class AreaResize : EnvWrapper
{
    private readonly AreaResampler _resampler;
    private readonly byte[] _frame;
    private readonly int _channels;

    /// <summary>Wraps <paramref name="inner"/> (a CHW observation no smaller than the target), resizing to <paramref name="height"/>×<paramref name="width"/>.</summary>
    public AreaResize(IEnv inner, int height = 84, int width = 84) : base(inner)
    {
        var space = inner.ObservationSpace;
        if (space.Shape.Length != 3) throw new ArgumentException($"{inner.Id}: resizing needs a CHW observation, got {space}", nameof(inner));
        _channels = space.Shape[0];
        _resampler = new AreaResampler(space.Shape[1], space.Shape[2], height, width);
        _frame = new byte[space.Size];
        ObservationSpace = new BoxSpace([_channels, height, width], space.Low, space.High);
    }

    /// <summary>Output rows.</summary>
    public int Height => _resampler.Height;

    /// <summary>Output columns.</summary>
    public int Width => _resampler.Width;

    /// <inheritdoc />
    public override BoxSpace ObservationSpace { get; }

    /// <inheritdoc />
    public override void Reset(long? seed, Span<byte> observation)
    {
        CheckLength(observation);
        Inner.Reset(seed, _frame);
        Resize(observation);
    }

    /// <inheritdoc />
    public override StepResult Step(int action, Span<byte> observation)
    {
        CheckLength(observation);
        var result = Inner.Step(action, _frame);
        Resize(observation);
        return result;
    }

    private void Resize(Span<byte> observation)
    {
        int sourcePlane = _resampler.SourceHeight * _resampler.SourceWidth;
        int plane = Height * Width;
        for (int c = 0; c < _channels; c++)
            _resampler.Resample(_frame.AsSpan(c * sourcePlane, sourcePlane), observation.Slice(c * plane, plane));
    }

    private void CheckLength(Span<byte> observation)
    {
        if (observation.Length != ObservationSpace.Size)
            throw new ArgumentException($"{Id}: observation buffer has {observation.Length} bytes, the observation {ObservationSpace.Size} {ObservationSpace}", nameof(observation));
    }
}
