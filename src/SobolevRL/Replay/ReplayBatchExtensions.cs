using static TorchSharp.torch;

namespace SobolevRL.Replay;

/// <summary>Row selection of replay batches.</summary>
public static class ReplayBatchExtensions
{
    /// <summary>The rows <paramref name="indices"/> (int64) of <paramref name="batch"/>, as a new batch on <paramref name="device"/>.</summary>
    public static ReplayBatch Select(this ReplayBatch batch, Tensor indices, Device device)
    {
        Tensor Pick(Tensor t) => t.index_select(0, indices.to(t.device)).to(device);
        return new ReplayBatch(Pick(batch.Observations), Pick(batch.TeacherLogits), Pick(batch.TeacherActions),
            batch.GradLabels is null ? null : Pick(batch.GradLabels), batch.Projections is null ? null : Pick(batch.Projections));
    }

    /// <summary>Rows [<paramref name="start"/>, <paramref name="start"/>+<paramref name="count"/>) as a new batch on <paramref name="device"/>.</summary>
    public static ReplayBatch Slice(this ReplayBatch batch, long start, long count, Device device)
    {
        Tensor Cut(Tensor t) => t.narrow(0, start, count).to(device).clone();
        return new ReplayBatch(Cut(batch.Observations), Cut(batch.TeacherLogits), Cut(batch.TeacherActions),
            batch.GradLabels is null ? null : Cut(batch.GradLabels), batch.Projections is null ? null : Cut(batch.Projections));
    }
}
