using System.Runtime.InteropServices;
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
        var m = reader.Manifest;
        _frameSize = m.FrameShape.Aggregate(1, (a, b) => a * b);
        _stack = m.FrameStack;
        _actions = m.Actions;
        _obsShape = m.ObservationShape();
        _observationSize = _obsShape.Aggregate(1L, (a, b) => a * b);
        var mode = m.LabelMode();
        _gradRows = mode.Kind switch { LabelKind.Full => m.Actions, LabelKind.Vjp => mode.Projections, _ => 0 };
        _projections = mode.Kind == LabelKind.Vjp ? mode.Projections : 0;
        var storage = m.GradStorage();
        _gradElementSize = storage.Size();
        _storage = storage;
    }

    /// <summary>Bytes read from the maps for one state.</summary>
    public long BytesPerState => _frameSize * _stack + 4L * _actions + _gradRows * _observationSize * _gradElementSize + 4L * _projections * _actions + 4;

    public ReplayBatch Build(ReadOnlySpan<int> rows)
    {
        int b = rows.Length;
        var frames = new byte[b * _frameSize * _stack];
        var logits = new float[b * _actions];
        var actions = new long[b];
        long gradBytes = _gradRows * _observationSize * _gradElementSize;
        var grads = _gradRows > 0 ? new byte[b * gradBytes] : null;
        var v = _projections > 0 ? new float[b * _projections * _actions] : null;
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
            var dest = frames.AsSpan(i * _frameSize * _stack, _frameSize * _stack);
            for (int k = 0; k < _stack; k++)
            {
                var (fs, fl) = _reader.Locate(chain[k]);
                fs[ReplayArrays.Frames].Row(fl).CopyTo(dest.Slice(k * _frameSize, _frameSize));
            }
            var (shard, local) = _reader.Locate(row);
            MemoryMarshal.Cast<byte, float>(shard[ReplayArrays.Logits].Row(local)).CopyTo(logits.AsSpan(i * _actions, _actions));
            actions[i] = shard[ReplayArrays.Actions].Get<int>(local);
            if (grads != null) shard[ReplayArrays.Grads].Row(local).CopyTo(grads.AsSpan((int)(i * gradBytes), (int)gradBytes));
            if (v != null) MemoryMarshal.Cast<byte, float>(shard[ReplayArrays.Projections].Row(local)).CopyTo(v.AsSpan(i * _projections * _actions, _projections * _actions));
        }
        using var scope = NewDisposeScope();
        var obs = torch.tensor(frames, [b, _obsShape[0], _obsShape[1], _obsShape[2]]).to(ScalarType.Float32, _device);
        var z = torch.tensor(logits, [b, _actions]).to(_device);
        var a = torch.tensor(actions, [b]).to(_device);
        Tensor? g = null, p = null;
        if (grads != null)
        {
            g = GradEncoding.DecodeTensor(grads, _storage, [b, _gradRows, _obsShape[0], _obsShape[1], _obsShape[2]]).to(_device);
        }
        if (v != null) p = torch.tensor(v, [b, _projections, _actions]).to(_device);
        var batch = new ReplayBatch(obs, z, a, g, p);
        obs.MoveToOuterDisposeScope();
        z.MoveToOuterDisposeScope();
        a.MoveToOuterDisposeScope();
        g?.MoveToOuterDisposeScope();
        p?.MoveToOuterDisposeScope();
        return batch;
    }
}
