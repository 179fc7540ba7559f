using SobolevRL.Policies;
using static TorchSharp.torch;

namespace SobolevRL.Teachers;

/// <summary>
/// A recurrent teacher seen through a frame stack, so that a feed-forward student with k stacked frames can be
/// distilled from it: observations are k frames on channels (oldest first), of which the teacher reads the newest, its
/// memory of the others being its recurrent state. Its input-gradient rows are therefore the teacher's gradient with
/// respect to the current frame (its state held fixed) in the newest frame's channels, and exactly zero in the older
/// frames' channels. Does not own the teacher.
/// </summary>
public sealed class StackedRecurrentTeacher : IRecurrentPolicy
{
    readonly IRecurrentPolicy _teacher;
    readonly long _frameChannels;

    /// <summary>Shows <paramref name="teacher"/> (which takes one frame of C channels) observations of <paramref name="frameStack"/> frames.</summary>
    public StackedRecurrentTeacher(IRecurrentPolicy teacher, int frameStack)
    {
        if (teacher.ObservationShape.Length != 3) throw new ArgumentException("the teacher must take C × H × W frames", nameof(teacher));
        if (frameStack < 1) throw new ArgumentOutOfRangeException(nameof(frameStack));
        _teacher = teacher;
        _frameChannels = teacher.ObservationShape[0];
        FrameStack = frameStack;
        ObservationShape = [_frameChannels * frameStack, teacher.ObservationShape[1], teacher.ObservationShape[2]];
    }

    /// <summary>Frames per observation k.</summary>
    public int FrameStack { get; }

    /// <inheritdoc />
    public int Actions => _teacher.Actions;

    /// <inheritdoc />
    public long[] ObservationShape { get; }

    /// <inheritdoc />
    public double Temperature => _teacher.Temperature;

    /// <inheritdoc />
    public Device Device => _teacher.Device;

    /// <inheritdoc />
    public int StateSize => _teacher.StateSize;

    /// <inheritdoc />
    public Tensor Logits(Tensor observations) => _teacher.Logits(Newest(observations));

    /// <inheritdoc />
    public (Tensor Logits, Tensor NextState) Step(Tensor observations, Tensor state) => _teacher.Step(Newest(observations), state);

    Tensor Newest(Tensor observations) => observations.narrow(1, _frameChannels * (FrameStack - 1), _frameChannels);

    /// <summary>Nothing to release: the teacher belongs to the caller.</summary>
    public void Dispose()
    {
    }
}
