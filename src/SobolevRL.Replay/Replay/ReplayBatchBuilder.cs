using System.Buffers;
using System.Runtime.InteropServices;
using SobolevRL.IO;
using SobolevRL.Teachers;
using TorchSharp;
using static TorchSharp.torch;

namespace SobolevRL.Replay;

/// <summary>
/// Gathers rows of memory-mapped shards into a <see cref="ReplayBatch"/>: stacks are rebuilt from single frames by
/// following each state's previous-step links; at the start of an episode the stack is padded with the episode's first
/// frame (never with frames of another episode). Gradient labels are converted to float32.
/// </summary>
internal sealed class ReplayBatchBuilder
{
    private readonly DatasetReader _reader;
    private readonly ReplayIndex _index;
    private readonly Device _device;
    private readonly int _frameSize, _stack, _actions, _gradRows, _projections, _gradElementSize;
    private readonly long[] _obsShape;
    private readonly long _observationSize;
    private readonly GradDtype _storage;

    public ReplayBatchBuilder(DatasetReader reader, ReplayIndex index, Device device)
    {
        _reader = reader;
        _index = index;
        _device = device;
        var schema = reader.Schema;
        _frameSize = schema.FrameSize;
        _stack = schema.FrameStack;
        _actions = schema.Actions;
        _obsShape = schema.ObservationShape;
        _observationSize = schema.ObservationSize;
        _gradRows = schema.GradRows;
        _projections = schema.Projections;
        _storage = schema.GradDtype;
        _gradElementSize = _storage.Size();
        BytesPerState = schema.BytesReadPerState;
    }

    /// <summary>Bytes read from the maps for one state.</summary>
    public long BytesPerState { get; }

    /// <summary>
    /// The states of <paramref name="rows"/> as one batch on the device; without <paramref name="gradientLabels"/> the
    /// gradient labels and projections are not read (a batch that compares policies only).
    /// </summary>
    public ReplayBatch Build(ReadOnlySpan<int> rows, bool gradientLabels = true)
    {
        int b = rows.Length;
        using var scope = NewDisposeScope();
        // Rows are converted straight into the memory of float32 CPU tensors by one vectorised pass (Widening: exact),
        // then moved to the device.
        long stackValues = (long)_frameSize * _stack;
        var obs = empty([b, _obsShape[0], _obsShape[1], _obsShape[2]], ScalarType.Float32);
        var logits = empty([b, _actions], ScalarType.Float32);
        var actions = empty([b], ScalarType.Int64);
        long gradValues = _gradRows * _observationSize;
        var grads = gradientLabels && _gradRows > 0 ? empty([b, _gradRows, _obsShape[0], _obsShape[1], _obsShape[2]], ScalarType.Float32) : null;
        var v = gradientLabels && _projections > 0 ? empty([b, _projections, _actions], ScalarType.Float32) : null;
        var obsValues = MemoryMarshal.Cast<byte, float>(obs.bytes);
        var logitBytes = logits.bytes;
        var actionValues = MemoryMarshal.Cast<byte, long>(actions.bytes);
        var gradSpan = grads is null ? default : MemoryMarshal.Cast<byte, float>(grads.bytes);
        var vBytes = v is null ? default : v.bytes;
        int logitRow = 4 * _actions, vRow = 4 * _projections * _actions;
        long gradBytes = gradValues * _gradElementSize;
        // Frames and gradient labels (the bulk) are read with pread into a reused buffer, not through the map: page
        // faults on pages the resident window had dropped cost more than the copy (about half the time at 64 MB).
        var staging = ArrayPool<byte>.Shared.Rent((int)Math.Max(_frameSize, gradBytes));
        using var returned = new ReturnOnDispose(staging);
        Span<int> chain = stackalloc int[_stack];
        for (int i = 0; i < b; i++)
        {
            int row = rows[i];
            chain[_stack - 1] = row;
            for (int k = _stack - 2; k >= 0; k--)
            {
                int prev = _index.Previous(chain[k + 1]);
                chain[k] = prev < 0 ? chain[k + 1] : prev;
            }
            var dest = obsValues.Slice((int)(i * stackValues), (int)stackValues);
            for (int k = 0; k < _stack; k++)
            {
                var (fs, fl) = _reader.Locate(chain[k]);
                var frame = staging.AsSpan(0, _frameSize);
                fs[ReplayArrays.Frames].ReadRow(fl, frame);
                Widening.BytesToSingles(frame, dest.Slice(k * _frameSize, _frameSize));
            }
            var (shard, local) = _reader.Locate(row);
            shard[ReplayArrays.Logits].Row(local).CopyTo(logitBytes.Slice(i * logitRow, logitRow));
            actionValues[i] = shard[ReplayArrays.Actions].Get<int>(local);
            if (grads is not null)
            {
                var stored = staging.AsSpan(0, (int)gradBytes);
                shard[ReplayArrays.GradLabels].ReadRow(local, stored);
                GradEncoding.Decode(stored, _storage, gradSpan.Slice((int)(i * gradValues), (int)gradValues));
            }
            if (v is not null) shard[ReplayArrays.Projections].Row(local).CopyTo(vBytes.Slice(i * vRow, vRow));
        }
        var o = obs.to(_device);
        var z = logits.to(_device);
        var a = actions.to(_device);
        var g = grads?.to(_device);
        var p = v?.to(_device);
        var batch = new ReplayBatch(o, z, a, g, p);
        o.MoveToOuterDisposeScope();
        z.MoveToOuterDisposeScope();
        a.MoveToOuterDisposeScope();
        g?.MoveToOuterDisposeScope();
        p?.MoveToOuterDisposeScope();
        return batch;
    }

    private readonly struct ReturnOnDispose(byte[] buffer) : IDisposable
    {
        public void Dispose() => ArrayPool<byte>.Shared.Return(buffer);
    }
}
