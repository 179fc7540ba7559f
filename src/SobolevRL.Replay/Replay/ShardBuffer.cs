using System.Buffers;
using System.Runtime.InteropServices;
using SobolevRL.IO;

namespace SobolevRL.Replay;

/// <summary>Rows of the shard being collected, held in memory until <see cref="DatasetWriter.Commit"/> writes them.</summary>
public sealed class ShardBuffer
{
    private readonly Dictionary<string, ArrayBufferWriter<byte>> _columns;
    private readonly HashSet<long> _heldOutEpisodes = [];

    /// <summary>Creates a buffer for rows of <paramref name="schema"/>.</summary>
    public ShardBuffer(ReplaySchema schema)
    {
        Schema = schema;
        _columns = schema.Arrays.ToDictionary(a => a.Name, _ => new ArrayBufferWriter<byte>(1 << 16));
    }

    /// <summary>An empty buffer of the same schema.</summary>
    public ShardBuffer EmptyLike() => new(Schema);

    /// <summary>The schema of the rows.</summary>
    public ReplaySchema Schema { get; }

    /// <summary>K for vjp:K, else 0.</summary>
    public int Projections => Schema.Projections;

    /// <summary>Floats of a recurrent teacher's state stored per row (0: not stored).</summary>
    public int TeacherStateSize => Schema.TeacherStateSize;

    /// <summary>Bytes of the gradient labels of one state.</summary>
    public long GradBytesPerRow => Schema.GradBytesPerState;

    /// <summary>Rows buffered.</summary>
    public int Rows { get; private set; }

    /// <summary>Rows of held-out episodes among <see cref="Rows"/>.</summary>
    public int HeldOutRows { get; private set; }

    /// <summary>Held-out episodes with rows in the buffer.</summary>
    public IReadOnlyCollection<long> HeldOutEpisodes => _heldOutEpisodes;

    /// <summary>Bytes buffered.</summary>
    public long Bytes => _columns.Values.Sum(c => (long)c.WrittenCount);

    /// <summary>
    /// Appends one state. <paramref name="gradLabels"/> holds the gradient labels already in the storage type
    /// (<see cref="GradBytesPerRow"/> bytes); <paramref name="projections"/> K × A floats (empty unless vjp).
    /// </summary>
    public void Add(ReadOnlySpan<byte> frame, int action, float reward, bool terminated, bool truncated, long episode, int step,
        ReadOnlySpan<float> logits, ReadOnlySpan<byte> gradLabels, ReadOnlySpan<float> projections, bool heldOut, ReadOnlySpan<float> teacherState = default)
    {
        int actions = Schema.Actions;
        if (teacherState.Length != TeacherStateSize) throw new ArgumentException($"teacher state has {teacherState.Length} values, expected {TeacherStateSize}");
        if (frame.Length != Schema.FrameSize) throw new ArgumentException($"frame has {frame.Length} bytes, expected {Schema.FrameSize}");
        if (logits.Length != actions) throw new ArgumentException($"logits have {logits.Length} values, expected {actions}");
        if (gradLabels.Length != GradBytesPerRow) throw new ArgumentException($"gradient labels have {gradLabels.Length} bytes, expected {GradBytesPerRow}");
        if (projections.Length != Projections * actions) throw new ArgumentException($"projections have {projections.Length} values, expected {Projections * actions}");
        _columns[ReplayArrays.Frames].Write(frame);
        Put(ReplayArrays.Actions, action);
        Put(ReplayArrays.Rewards, reward);
        Put(ReplayArrays.Terminated, terminated);
        Put(ReplayArrays.Truncated, truncated);
        Put(ReplayArrays.Episode, episode);
        Put(ReplayArrays.Step, step);
        _columns[ReplayArrays.Logits].Write(MemoryMarshal.AsBytes(logits));
        if (GradBytesPerRow > 0) _columns[ReplayArrays.GradLabels].Write(gradLabels);
        if (Projections > 0) _columns[ReplayArrays.Projections].Write(MemoryMarshal.AsBytes(projections));
        if (TeacherStateSize > 0) _columns[ReplayArrays.TeacherState].Write(MemoryMarshal.AsBytes(teacherState));
        Rows++;
        if (heldOut)
        {
            HeldOutRows++;
            _heldOutEpisodes.Add(episode);
        }
    }

    /// <summary>The arrays to write, those of <see cref="Schema"/>: name, .npy header, bytes.</summary>
    public IEnumerable<(string Name, NpyHeader Header, ReadOnlyMemory<byte> Data)> Arrays() =>
        Schema.Arrays.Select(a => (a.Name, a.Header(Rows), _columns[a.Name].WrittenMemory));

    /// <summary>
    /// Makes room for <paramref name="rows"/> more rows in one allocation per array, so that filling a shard neither
    /// copies its buffers each time they double nor page-faults the copies (most of a collection's memory traffic).
    /// </summary>
    public void Reserve(int rows)
    {
        foreach (var array in Schema.Arrays)
        {
            long bytes = rows * array.RowBytes;
            var column = _columns[array.Name];
            if (bytes > 0 && bytes <= System.Array.MaxLength - column.WrittenCount) column.GetSpan((int)bytes);
        }
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
