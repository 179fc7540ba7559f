using static TorchSharp.torch;

namespace SobolevRL.Replay;

/// <summary>Row selection of replay batches.</summary>
public static class ReplayBatchExtensions
{
    /// <summary>The rows <paramref name="indices"/> (int64) of <paramref name="batch"/>, as a new batch on <paramref name="device"/>.</summary>
    public static ReplayBatch Select(this ReplayBatch batch, Tensor indices, Device device) =>
        batch.Map(t => t.index_select(0, indices.to(t.device)).to(device));

    /// <summary>Rows [<paramref name="start"/>, <paramref name="start"/>+<paramref name="count"/>) as a new batch on <paramref name="device"/>.</summary>
    public static ReplayBatch Slice(this ReplayBatch batch, long start, long count, Device device) =>
        batch.Map(t => t.narrow(0, start, count).to(device).clone());

    /// <summary>
    /// Rows [<paramref name="start"/>, <paramref name="start"/>+<paramref name="count"/>) copied to <paramref name="device"/>
    /// without gradient labels and projections: observations, teacher logits and actions (for comparing policies only).
    /// </summary>
    public static ReplayBatch PolicySlice(this ReplayBatch batch, long start, long count, Device device)
    {
        using var rows = batch.Rows(start, count);
        return new(rows.Observations.to(device).clone(), rows.TeacherLogits.to(device).clone(), rows.TeacherActions.to(device).clone(), null, null);
    }

    /// <summary>
    /// Rows [<paramref name="start"/>, <paramref name="start"/>+<paramref name="count"/>) as views of
    /// <paramref name="batch"/>'s tensors: no copy; disposing the result leaves <paramref name="batch"/> intact.
    /// </summary>
    public static ReplayBatch Rows(this ReplayBatch batch, long start, long count) => batch.Map(t => t.narrow(0, start, count));

    private static ReplayBatch Map(this ReplayBatch batch, Func<Tensor, Tensor> each) =>
        new(each(batch.Observations), each(batch.TeacherLogits), each(batch.TeacherActions),
            batch.GradLabels is null ? null : each(batch.GradLabels), batch.Projections is null ? null : each(batch.Projections));
}
