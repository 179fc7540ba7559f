using System.Buffers;
using System.Runtime.InteropServices;
using SobolevRL.IO;

namespace SobolevRL.Replay;

/// <summary>Rows of the shard being collected, held in memory until <see cref="DatasetWriter.Commit"/> writes them.</summary>
public sealed class ShardBuffer
{
    private readonly Dictionary<string, ArrayBufferWriter<byte>> _columns = ReplayArrays.All.ToDictionary(n => n, _ => new ArrayBufferWriter<byte>(1 << 16));
    private readonly HashSet<long> _heldOutEpisodes = [];

    /// <summary>Creates a buffer for rows of the given layout.</summary>
    public ShardBuffer(int frameSize, int actions, int gradRows, long observationSize, GradDtype gradDtype, int projections, int teacherStateSize = 0)
    {
        TeacherStateSize = teacherStateSize;
        FrameSize = frameSize;
        Actions = actions;
        GradRows = gradRows;
        ObservationSize = observationSize;
        GradDtype = gradDtype;
        Projections = projections;
    }

    /// <summary>An empty buffer of the same layout.</summary>
    public ShardBuffer EmptyLike() => new(FrameSize, Actions, GradRows, ObservationSize, GradDtype, Projections, TeacherStateSize);

    /// <summary>Floats of a recurrent teacher's state stored per row (0: not stored).</summary>
    public int TeacherStateSize { get; }

    /// <summary>Bytes of one frame.</summary>
    public int FrameSize { get; }

    /// <summary>Number of actions A.</summary>
    public int Actions { get; }

    /// <summary>Gradient rows per state (A for full, K for vjp:K, 0 for none).</summary>
    public int GradRows { get; }

    /// <summary>Elements of one stacked observation X.</summary>
    public long ObservationSize { get; }

    /// <summary>Storage type of gradients.</summary>
    public GradDtype GradDtype { get; }

    /// <summary>K for vjp:K, else 0.</summary>
    public int Projections { get; }

    /// <summary>Bytes of the gradient labels of one state.</summary>
    public long GradBytesPerRow => GradRows * ObservationSize * GradDtype.Size();

    /// <summary>Rows buffered.</summary>
    public int Rows { get; private set; }

    /// <summary>Rows of held-out episodes among <see cref="Rows"/>.</summary>
    public int HeldOutRows { get; private set; }

    /// <summary>Held-out episodes with rows in the buffer.</summary>
    public IReadOnlyCollection<long> HeldOutEpisodes => _heldOutEpisodes;

    /// <summary>Bytes buffered.</summary>
    public long Bytes => _columns.Values.Sum(c => (long)c.WrittenCount);

    /// <summary>
    /// Appends one state. <paramref name="grads"/> holds the gradient labels already in the storage type
    /// (<see cref="GradBytesPerRow"/> bytes); <paramref name="projections"/> K × A floats (empty unless vjp).
    /// </summary>
    public void Add(ReadOnlySpan<byte> frame, int action, float reward, bool terminated, bool truncated, long episode, int step,
        ReadOnlySpan<float> logits, ReadOnlySpan<byte> grads, ReadOnlySpan<float> projections, bool heldOut, ReadOnlySpan<float> teacherState = default)
    {
        if (teacherState.Length != TeacherStateSize) throw new ArgumentException($"teacher state has {teacherState.Length} values, expected {TeacherStateSize}");
        if (frame.Length != FrameSize) throw new ArgumentException($"frame has {frame.Length} bytes, expected {FrameSize}");
        if (logits.Length != Actions) throw new ArgumentException($"logits have {logits.Length} values, expected {Actions}");
        if (grads.Length != GradBytesPerRow) throw new ArgumentException($"gradient labels have {grads.Length} bytes, expected {GradBytesPerRow}");
        if (projections.Length != Projections * Actions) throw new ArgumentException($"projections have {projections.Length} values, expected {Projections * Actions}");
        _columns[ReplayArrays.Frames].Write(frame);
        Put(ReplayArrays.Actions, action);
        Put(ReplayArrays.Rewards, reward);
        Put(ReplayArrays.Terminated, terminated);
        Put(ReplayArrays.Truncated, truncated);
        Put(ReplayArrays.Episode, episode);
        Put(ReplayArrays.Step, step);
        _columns[ReplayArrays.Logits].Write(MemoryMarshal.AsBytes(logits));
        _columns[ReplayArrays.Grads].Write(grads);
        _columns[ReplayArrays.Projections].Write(MemoryMarshal.AsBytes(projections));
        _columns[ReplayArrays.TeacherState].Write(MemoryMarshal.AsBytes(teacherState));
        Rows++;
        if (heldOut)
        {
            HeldOutRows++;
            _heldOutEpisodes.Add(episode);
        }
    }

    /// <summary>The arrays to write: name, .npy descriptor, shape, bytes; arrays a label mode does not have are left out.</summary>
    public IEnumerable<(string Name, NpyHeader Header, ReadOnlyMemory<byte> Data)> Arrays(int[] frameShape)
    {
        long n = Rows;
        yield return (ReplayArrays.Frames, new(NpyDtype.UInt8, [n, frameShape[0], frameShape[1], frameShape[2]]), _columns[ReplayArrays.Frames].WrittenMemory);
        yield return (ReplayArrays.Actions, new(NpyDtype.Int32, [n]), _columns[ReplayArrays.Actions].WrittenMemory);
        yield return (ReplayArrays.Rewards, new(NpyDtype.Float32, [n]), _columns[ReplayArrays.Rewards].WrittenMemory);
        yield return (ReplayArrays.Terminated, new(NpyDtype.Bool, [n]), _columns[ReplayArrays.Terminated].WrittenMemory);
        yield return (ReplayArrays.Truncated, new(NpyDtype.Bool, [n]), _columns[ReplayArrays.Truncated].WrittenMemory);
        yield return (ReplayArrays.Episode, new(NpyDtype.Int64, [n]), _columns[ReplayArrays.Episode].WrittenMemory);
        yield return (ReplayArrays.Step, new(NpyDtype.Int32, [n]), _columns[ReplayArrays.Step].WrittenMemory);
        yield return (ReplayArrays.Logits, new(NpyDtype.Float32, [n, Actions]), _columns[ReplayArrays.Logits].WrittenMemory);
        if (GradRows > 0)
            yield return (ReplayArrays.Grads, new(GradDtype.NpyType(), [n, GradRows, ObservationSize]), _columns[ReplayArrays.Grads].WrittenMemory);
        if (Projections > 0)
            yield return (ReplayArrays.Projections, new(NpyDtype.Float32, [n, Projections, Actions]), _columns[ReplayArrays.Projections].WrittenMemory);
        if (TeacherStateSize > 0)
            yield return (ReplayArrays.TeacherState, new(NpyDtype.Float32, [n, TeacherStateSize]), _columns[ReplayArrays.TeacherState].WrittenMemory);
    }

    /// <summary>
    /// Makes room for <paramref name="rows"/> more rows in one allocation per array, so that filling a shard neither
    /// copies its buffers each time they double nor page-faults the copies (most of a collection's memory traffic).
    /// </summary>
    public void Reserve(int rows)
    {
        void Room(string column, long rowBytes)
        {
            long bytes = rows * rowBytes;
            if (bytes > 0 && bytes <= Array.MaxLength - _columns[column].WrittenCount) _columns[column].GetSpan((int)bytes);
        }
        Room(ReplayArrays.Frames, FrameSize);
        Room(ReplayArrays.Actions, sizeof(int));
        Room(ReplayArrays.Rewards, sizeof(float));
        Room(ReplayArrays.Terminated, sizeof(bool));
        Room(ReplayArrays.Truncated, sizeof(bool));
        Room(ReplayArrays.Episode, sizeof(long));
        Room(ReplayArrays.Step, sizeof(int));
        Room(ReplayArrays.Logits, sizeof(float) * (long)Actions);
        Room(ReplayArrays.Grads, GradBytesPerRow);
        Room(ReplayArrays.Projections, sizeof(float) * (long)Projections * Actions);
        Room(ReplayArrays.TeacherState, sizeof(float) * (long)TeacherStateSize);
    }

    /// <summary>Empties the buffer (after a commit).</summary>
    public void Clear()
    {
        foreach (var c in _columns.Values) c.ResetWrittenCount();
        _heldOutEpisodes.Clear();
        Rows = 0;
        HeldOutRows = 0;
    }

    private void Put<T>(string column, T value) where T : unmanaged =>
        _columns[column].Write(MemoryMarshal.AsBytes(MemoryMarshal.CreateReadOnlySpan(ref value, 1)));
}
