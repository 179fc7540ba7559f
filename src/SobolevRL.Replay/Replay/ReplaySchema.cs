using SobolevRL.IO;
using SobolevRL.Teachers;

namespace SobolevRL.Replay;

/// <summary>One array of a shard as the schema declares it: name, element type and the shape of one state's row.</summary>
/// <param name="Name">File name without <c>.npy</c> (see <see cref="ReplayArrays"/>).</param>
/// <param name="Dtype">Element type on disk.</param>
/// <param name="RowShape">Shape of one state's row (empty for a scalar per state).</param>
public sealed record ReplayArray(string Name, NpyDtype Dtype, long[] RowShape)
{
    /// <summary>Elements of one state's row.</summary>
    public long RowElements => RowShape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Bytes of one state's row.</summary>
    public long RowBytes => RowElements * Dtype.Size();

    /// <summary>The .npy header of <paramref name="rows"/> rows.</summary>
    public NpyHeader Header(long rows) => new(Dtype, [rows, .. RowShape]);
}

/// <summary>
/// The replay schema of a dataset, declared once: which arrays a shard holds, their types and row shapes, built from
/// (frame shape, frame stack, actions, label mode, gradient dtype). <see cref="ShardBuffer"/>, <see cref="DatasetWriter"/>,
/// <see cref="DatasetReader"/>, the batch builder of <see cref="ReplaySampler"/>, the collector's bytes per state and
/// <c>data info</c> all read it from here. The on-disk names (<see cref="ReplayArrays"/>) are those of every dataset
/// written so far.
/// </summary>
public sealed class ReplaySchema
{
    /// <summary>Creates the schema of single frames <paramref name="frameShape"/> (C × H × W), stacked
    /// <paramref name="frameStack"/> deep, with <paramref name="actions"/> actions and the given labels.</summary>
    public ReplaySchema(int[] frameShape, int frameStack, int actions, LabelMode labels, GradDtype gradDtype, int teacherStateSize = 0)
    {
        TeacherStateSize = teacherStateSize;
        if (frameShape.Length != 3) throw new ArgumentException($"frames must be C × H × W, got ({string.Join(", ", frameShape)})", nameof(frameShape));
        FrameShape = frameShape;
        FrameStack = frameStack;
        Actions = actions;
        Labels = labels;
        GradDtype = gradDtype;
        ObservationShape = [frameShape[0] * (long)frameStack, frameShape[1], frameShape[2]];
        var arrays = new List<ReplayArray>
        {
            new(ReplayArrays.Frames, NpyDtype.UInt8, [frameShape[0], frameShape[1], frameShape[2]]),
            new(ReplayArrays.Actions, NpyDtype.Int32, []),
            new(ReplayArrays.Rewards, NpyDtype.Float32, []),
            new(ReplayArrays.Terminated, NpyDtype.Bool, []),
            new(ReplayArrays.Truncated, NpyDtype.Bool, []),
            new(ReplayArrays.Episode, NpyDtype.Int64, []),
            new(ReplayArrays.Step, NpyDtype.Int32, []),
            new(ReplayArrays.Logits, NpyDtype.Float32, [actions]),
        };
        if (GradRows > 0) arrays.Add(new(ReplayArrays.GradLabels, gradDtype.NpyType(), [GradRows, ObservationSize]));
        if (Projections > 0) arrays.Add(new(ReplayArrays.Projections, NpyDtype.Float32, [Projections, actions]));
        if (teacherStateSize > 0) arrays.Add(new(ReplayArrays.TeacherState, NpyDtype.Float32, [teacherStateSize]));
        Arrays = arrays;
    }

    /// <summary>The schema a manifest describes.</summary>
    public static ReplaySchema Of(DatasetManifest manifest) =>
        new(manifest.FrameShape, manifest.FrameStack, manifest.Actions, manifest.LabelMode(), manifest.GradStorage(), manifest.TeacherStateSize);

    /// <summary>Shape of one single frame (C × H × W).</summary>
    public int[] FrameShape { get; }

    /// <summary>Frames per stacked observation.</summary>
    public int FrameStack { get; }

    /// <summary>Number of actions A.</summary>
    public int Actions { get; }

    /// <summary>The gradient labels stored.</summary>
    public LabelMode Labels { get; }

    /// <summary>Floats of a recurrent teacher's state stored per state (0: not stored).</summary>
    public int TeacherStateSize { get; }

    /// <summary>Storage type of the gradient labels.</summary>
    public GradDtype GradDtype { get; }

    /// <summary>Shape of one stacked observation (C·k × H × W).</summary>
    public long[] ObservationShape { get; }

    /// <summary>Bytes (= elements, uint8) of one frame.</summary>
    public int FrameSize => FrameShape[0] * FrameShape[1] * FrameShape[2];

    /// <summary>Elements of one stacked observation X.</summary>
    public long ObservationSize => ObservationShape[0] * ObservationShape[1] * ObservationShape[2];

    /// <summary>Gradient-label rows per state (<see cref="LabelMode.GradRows"/>).</summary>
    public int GradRows => Labels.GradRows(Actions);

    /// <summary>Stored projection vectors per state: K for vjp:K, else 0.</summary>
    public int Projections => Labels.StoredProjections;

    /// <summary>Bytes of the gradient labels of one state, in storage.</summary>
    public long GradBytesPerState => GradRows * ObservationSize * GradDtype.Size();

    /// <summary>The arrays a shard of this schema holds, in writing order (arrays the label mode has no use for are left out).</summary>
    public IReadOnlyList<ReplayArray> Arrays { get; }

    /// <summary>Bytes one state takes on disk (all arrays).</summary>
    public long BytesPerState => Arrays.Sum(a => a.RowBytes);

    /// <summary>
    /// Bytes a sampler reads for one state: its whole frame stack, the logits, the action, the gradient labels and the
    /// projection vectors.
    /// </summary>
    public long BytesReadPerState => (long)FrameSize * FrameStack + 4L * Actions + GradBytesPerState + 4L * Projections * Actions + 4;

    /// <summary>The array called <paramref name="name"/>, or null when this schema has none.</summary>
    public ReplayArray? Array(string name) => Arrays.FirstOrDefault(a => a.Name == name);
}
