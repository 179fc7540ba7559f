using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace SobolevRL.Onnx;

/// <summary>A recurrent state tensor of a policy graph: the input taking it, the output giving its next value, the batch axis.</summary>
/// <param name="Input">Graph input name.</param>
/// <param name="Output">Graph output name.</param>
/// <param name="BatchAxis">Axis of the batch in the tensor (e.g. 1 for nn.LSTM's [layers, batch, hidden]).</param>
public sealed record OrtStateSlot(string Input, string Output, int BatchAxis);

/// <summary>
/// Acts with an ONNX policy through ONNX Runtime. Input and output buffers are allocated once (up to
/// <see cref="MaxBatch"/> samples) and the ORT tensors wrapping them are cached per batch size, so a call
/// allocates nothing but what ORT allocates internally.
/// </summary>
public sealed class OrtPolicy : IDisposable
{
    readonly InferenceSession _session;
    readonly RunOptions _runOptions = new();
    readonly float[] _input;
    readonly float[] _output;
    readonly string[] _inputNames;
    readonly string[] _outputNames;
    readonly Dictionary<int, (OrtValue[] Inputs, OrtValue[] Outputs)> _byBatch = [];
    readonly long[] _outputShape;
    // A model exported without a dynamic batch axis takes exactly one observation: batches run one sample at a time.
    readonly bool _oneAtATime;
    readonly Dictionary<int, (OrtValue[] Inputs, OrtValue[] Outputs)> _bySample = [];
    // Recurrent state: per slot, the per-sample shape (1 at the batch axis), its size, and buffers in the graph's layout.
    readonly OrtStateSlot[] _state = [];
    readonly long[][] _stateShapes = [];
    readonly int[] _stateSizes = [];
    readonly float[][] _stateIn = [];
    readonly float[][] _stateOut = [];
    readonly Dictionary<(int Offset, int Batch), (OrtValue[] Inputs, OrtValue[] Outputs)> _recurrent = [];

    /// <summary>Opens <paramref name="path"/>; acts on batches of up to <paramref name="maxBatch"/> observations.</summary>
    /// <param name="path">ONNX model with one float input whose first dimension is the batch (dynamic, or fixed at 1); a
    /// uint8 input that goes straight into a Cast to float is run as a float input (<see cref="OnnxUint8Inputs"/>); float16
    /// inputs and outputs are converted at the graph's edges (<see cref="OnnxFloat16.WithFloat32Io"/>).</param>
    /// <param name="maxBatch">Largest batch passed to <see cref="Run(ReadOnlySpan{float}, int)"/>.</param>
    /// <param name="outputName">Output to read (default: the model's first output, e.g. the policy logits).</param>
    /// <param name="options">ORT session options (threads, optimisation level); null for defaults.</param>
    /// <param name="inputName">The observation input (null: the one input that is not recurrent state).</param>
    /// <param name="state">The recurrent state tensors (null or empty: a feed-forward policy); see <see cref="Run(ReadOnlySpan{float}, int, ReadOnlySpan{float}, Span{float})"/>.</param>
    /// <exception cref="OnnxModelException">The file cannot be opened by ONNX Runtime or has an unsuitable signature.</exception>
    public OrtPolicy(string path, int maxBatch, string? outputName = null, SessionOptions? options = null, string? inputName = null, IReadOnlyList<OrtStateSlot>? state = null)
    {
        _state = state?.ToArray() ?? [];
        if (!File.Exists(path))
        {
            throw new OnnxModelException($"ONNX model '{path}' does not exist. Check the path.");
        }
        _session = Open(path, null, options);
        try
        {
            var stateInputs = _state.Select(s => s.Input).ToHashSet(StringComparer.Ordinal);
            KeyValuePair<string, NodeMetadata>[] observations = _session.InputMetadata.Where(i => inputName is null ? !stateInputs.Contains(i.Key) : i.Key == inputName).ToArray();
            bool uint8 = observations.Length == 1 && observations[0].Value.ElementType == typeof(byte);
            bool float16 = _session.InputMetadata.Values.Concat(_session.OutputMetadata.Values).Any(m => m.ElementDataType == TensorElementType.Float16);
            if (uint8 || float16)
            {
                Proto.ModelProto model = OnnxModelFile.Read(path);
                byte[] asFloat = OnnxFloat16.WithFloat32Io(uint8 ? OnnxUint8Inputs.AsFloat(model, path) : model).ToByteArray();
                _session.Dispose();
                _session = Open(path, asFloat, options);
                observations = _session.InputMetadata.Where(i => observations.Any(o => o.Key == i.Key)).ToArray();
            }
            if (observations.Length != 1 || _session.InputMetadata.Count != 1 + _state.Length)
            {
                throw new OnnxModelException($"ONNX model '{path}' has {_session.InputMetadata.Count} inputs ({string.Join(", ", _session.InputMetadata.Keys)}); a policy takes one observation input{(_state.Length > 0 ? " and its recurrent state" : "")}.");
            }
            var (observationName, inputMeta) = observations[0];
            if (inputMeta.ElementType != typeof(float))
            {
                throw new OnnxModelException($"ONNX model '{path}': input '{observationName}' is {inputMeta.ElementType.Name}; OrtPolicy needs float observations.");
            }
            outputName ??= _session.OutputMetadata.Keys.First();
            if (!_session.OutputMetadata.TryGetValue(outputName, out NodeMetadata? outputMeta))
            {
                throw new OnnxModelException($"ONNX model '{path}' has no output '{outputName}' (outputs: {string.Join(", ", _session.OutputMetadata.Keys)}).");
            }
            ObservationShape = PerSample(inputMeta, path, observationName);
            int fixedBatch = inputMeta.Dimensions[0];
            if (fixedBatch > 1)
            {
                throw new OnnxModelException(
                    $"ONNX model '{path}': input '{observationName}' has a fixed batch of {fixedBatch}; re-export it with a dynamic batch axis " +
                    $"(torch.onnx.export(..., dynamic_axes={{'{observationName}': {{0: 'batch'}}}})) or with batch 1.");
            }
            _oneAtATime = fixedBatch == 1;
            _outputShape = PerSample(outputMeta, path, outputName);
            OutputSize = (int)_outputShape.Aggregate(1L, (a, d) => a * d);
            ObservationSize = (int)ObservationShape.Aggregate(1L, (a, d) => a * d);
            MaxBatch = maxBatch;
            _inputNames = [observationName, .. _state.Select(s => s.Input)];
            _outputNames = [outputName, .. _state.Select(s => s.Output)];
            _input = new float[maxBatch * ObservationSize];
            _output = new float[maxBatch * OutputSize];
            _stateShapes = _state.Select(s => StateShape(_session, path, s)).ToArray();
            _stateSizes = _stateShapes.Select(d => (int)d.Aggregate(1L, (a, x) => a * x)).ToArray();
            _stateIn = _stateSizes.Select(n => new float[maxBatch * n]).ToArray();
            _stateOut = _stateSizes.Select(n => new float[maxBatch * n]).ToArray();
            StateSize = _stateSizes.Sum();
        }
        catch
        {
            _session.Dispose();
            _runOptions.Dispose();
            throw;
        }
    }

    /// <summary>Shape of one observation (the model input without its batch dimension).</summary>
    public long[] ObservationShape { get; }

    /// <summary>Number of floats in one observation.</summary>
    public int ObservationSize { get; }

    /// <summary>Number of floats the chosen output has per sample (e.g. the number of actions).</summary>
    public int OutputSize { get; }

    /// <summary>Largest batch size accepted.</summary>
    public int MaxBatch { get; }

    /// <summary>Floats of recurrent state per sample (0 for a feed-forward policy).</summary>
    public int StateSize { get; }

    static long[] StateShape(InferenceSession session, string path, OrtStateSlot slot)
    {
        if (!session.InputMetadata.TryGetValue(slot.Input, out NodeMetadata? meta))
            throw new OnnxModelException($"ONNX model '{path}' has no input '{slot.Input}' (inputs: {string.Join(", ", session.InputMetadata.Keys)}).");
        if (!session.OutputMetadata.ContainsKey(slot.Output))
            throw new OnnxModelException($"ONNX model '{path}' has no output '{slot.Output}' (outputs: {string.Join(", ", session.OutputMetadata.Keys)}).");
        int[] dims = meta.Dimensions;
        if (slot.BatchAxis < 0 || slot.BatchAxis >= dims.Length || dims.Where((d, i) => i != slot.BatchAxis && d <= 0).Any())
            throw new OnnxModelException($"ONNX model '{path}': state '{slot.Input}' [{string.Join(",", dims)}] needs fixed sizes except its batch axis {slot.BatchAxis}.");
        return dims.Select((d, i) => i == slot.BatchAxis ? 1L : d).ToArray();
    }

    static InferenceSession Open(string path, byte[]? model, SessionOptions? options)
    {
        try
        {
            return (model, options) switch
            {
                (null, null) => new InferenceSession(path),
                (null, _) => new InferenceSession(path, options),
                (_, null) => new InferenceSession(model),
                _ => new InferenceSession(model, options),
            };
        }
        catch (OnnxRuntimeException e)
        {
            throw new OnnxModelException($"ONNX Runtime cannot open '{path}': {e.Message}", e);
        }
    }

    static long[] PerSample(NodeMetadata meta, string path, string name)
    {
        int[] dims = meta.Dimensions;
        if (dims.Length == 0 || dims[1..].Any(d => d <= 0))
        {
            throw new OnnxModelException(
                $"ONNX model '{path}': '{name}' must be [batch, fixed dims...], got [{string.Join(",", dims.Select(d => d < 0 ? "?" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}].");
        }
        return dims[1..].Select(d => (long)d).ToArray();
    }

    /// <summary>
    /// Runs the policy on <paramref name="batch"/> observations laid out contiguously in <paramref name="observations"/>.
    /// </summary>
    /// <returns>The outputs, batch × <see cref="OutputSize"/>; valid until the next call.</returns>
    public ReadOnlySpan<float> Run(ReadOnlySpan<float> observations, int batch)
    {
        CheckBatch(observations.Length, batch);
        observations.CopyTo(_input);
        return RunFilled(batch);
    }

    /// <summary>Runs on byte observations (e.g. frames), each value multiplied by <paramref name="scale"/> (e.g. 1/255).</summary>
    /// <returns>The outputs, batch × <see cref="OutputSize"/>; valid until the next call.</returns>
    public ReadOnlySpan<float> Run(ReadOnlySpan<byte> observations, int batch, float scale)
    {
        CheckBatch(observations.Length, batch);
        for (int i = 0; i < observations.Length; i++)
        {
            _input[i] = observations[i] * scale;
        }
        return RunFilled(batch);
    }

    /// <summary>Writes the greedy (arg-max) action of each observation into <paramref name="actions"/>.</summary>
    public void Act(ReadOnlySpan<float> observations, int batch, Span<int> actions)
    {
        ReadOnlySpan<float> logits = Run(observations, batch);
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> row = logits.Slice(b * OutputSize, OutputSize);
            int best = 0;
            for (int a = 1; a < row.Length; a++)
            {
                best = row[a] > row[best] ? a : best;
            }
            actions[b] = best;
        }
    }

    /// <summary>
    /// Runs a recurrent policy one step on <paramref name="batch"/> observations given <paramref name="state"/>
    /// (batch × <see cref="StateSize"/>: each sample's state tensors flattened and concatenated in the slots' order) and
    /// writes the next state into <paramref name="nextState"/> (same layout; it may be the same memory as <paramref name="state"/>).
    /// </summary>
    /// <returns>The outputs, batch × <see cref="OutputSize"/>; valid until the next call.</returns>
    public ReadOnlySpan<float> Run(ReadOnlySpan<float> observations, int batch, ReadOnlySpan<float> state, Span<float> nextState)
    {
        CheckBatch(observations.Length, batch);
        observations.CopyTo(_input);
        return RunRecurrent(batch, state, nextState);
    }

    /// <summary>As <see cref="Run(ReadOnlySpan{float}, int, ReadOnlySpan{float}, Span{float})"/> on byte observations, each value multiplied by <paramref name="scale"/>.</summary>
    public ReadOnlySpan<float> Run(ReadOnlySpan<byte> observations, int batch, float scale, ReadOnlySpan<float> state, Span<float> nextState)
    {
        CheckBatch(observations.Length, batch);
        for (int i = 0; i < observations.Length; i++)
        {
            _input[i] = observations[i] * scale;
        }
        return RunRecurrent(batch, state, nextState);
    }

    // Runs on the observations in the input buffer with a recurrent state.
    ReadOnlySpan<float> RunRecurrent(int batch, ReadOnlySpan<float> state, Span<float> nextState)
    {
        if (state.Length != batch * StateSize || nextState.Length != batch * StateSize)
        {
            throw new ArgumentException($"Expected {batch} × {StateSize} state values; got {state.Length} in and {nextState.Length} out.");
        }
        if (!_oneAtATime)
        {
            RunStateBatch(0, batch, state, nextState);
        }
        else
        {
            for (int b = 0; b < batch; b++)
            {
                RunStateBatch(b, 1, state.Slice(b * StateSize, StateSize), nextState.Slice(b * StateSize, StateSize));
            }
        }
        return _output.AsSpan(0, batch * OutputSize);
    }

    // Samples [offset, offset + batch): state rows are copied into the graph's layout (batch at its axis), run, and back.
    void RunStateBatch(int offset, int batch, ReadOnlySpan<float> state, Span<float> nextState)
    {
        if (!_recurrent.TryGetValue((offset, batch), out var values))
        {
            var inputs = new List<OrtValue> { OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _input.AsMemory(offset * ObservationSize, batch * ObservationSize), [batch, .. ObservationShape]) };
            var outputs = new List<OrtValue> { OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _output.AsMemory(offset * OutputSize, batch * OutputSize), [batch, .. _outputShape]) };
            for (int k = 0; k < _state.Length; k++)
            {
                long[] shape = _stateShapes[k].Select((d, i) => i == _state[k].BatchAxis ? batch : d).ToArray();
                inputs.Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _stateIn[k].AsMemory(0, batch * _stateSizes[k]), shape));
                outputs.Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _stateOut[k].AsMemory(0, batch * _stateSizes[k]), shape));
            }
            values = ([.. inputs], [.. outputs]);
            _recurrent[(offset, batch)] = values;
        }
        int start = 0;
        for (int k = 0; k < _state.Length; k++)
        {
            (int outer, int inner) = Split(k);
            for (int b = 0; b < batch; b++)
                for (int o = 0; o < outer; o++)
                    state.Slice(b * StateSize + start + o * inner, inner).CopyTo(_stateIn[k].AsSpan((o * batch + b) * inner, inner));
            start += _stateSizes[k];
        }
        _session.Run(_runOptions, _inputNames, values.Inputs, _outputNames, values.Outputs);
        start = 0;
        for (int k = 0; k < _state.Length; k++)
        {
            (int outer, int inner) = Split(k);
            for (int b = 0; b < batch; b++)
                for (int o = 0; o < outer; o++)
                    _stateOut[k].AsSpan((o * batch + b) * inner, inner).CopyTo(nextState.Slice(b * StateSize + start + o * inner, inner));
            start += _stateSizes[k];
        }
    }

    // Elements before and after the batch axis of state slot k (one sample).
    (int Outer, int Inner) Split(int k)
    {
        long[] shape = _stateShapes[k];
        int axis = _state[k].BatchAxis;
        return ((int)shape.Take(axis).Aggregate(1L, (a, d) => a * d), (int)shape.Skip(axis + 1).Aggregate(1L, (a, d) => a * d));
    }

    void CheckBatch(int length, int batch)
    {
        if (batch < 1 || batch > MaxBatch || length != batch * ObservationSize)
        {
            throw new ArgumentException(
                $"Expected 1..{MaxBatch} observations of {ObservationSize} values; got batch {batch} with {length} values.");
        }
    }

    ReadOnlySpan<float> RunFilled(int batch)
    {
        if (StateSize > 0)
        {
            // A recurrent policy called without a state acts from the zero state of an episode's start.
            float[] zero = new float[batch * StateSize];
            return RunRecurrent(batch, zero, zero);
        }
        if (_oneAtATime)
        {
            for (int b = 0; b < batch; b++)
            {
                if (!_bySample.TryGetValue(b, out var sample))
                {
                    sample = (
                        [OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _input.AsMemory(b * ObservationSize, ObservationSize), [1, .. ObservationShape])],
                        [OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _output.AsMemory(b * OutputSize, OutputSize), [1, .. _outputShape])]);
                    _bySample[b] = sample;
                }
                _session.Run(_runOptions, _inputNames, sample.Inputs, _outputNames, sample.Outputs);
            }
            return _output.AsSpan(0, batch * OutputSize);
        }
        if (!_byBatch.TryGetValue(batch, out var values))
        {
            values = (
                [OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _input.AsMemory(0, batch * ObservationSize), [batch, .. ObservationShape])],
                [OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _output.AsMemory(0, batch * OutputSize), [batch, .. _outputShape])]);
            _byBatch[batch] = values;
        }
        _session.Run(_runOptions, _inputNames, values.Inputs, _outputNames, values.Outputs);
        return _output.AsSpan(0, batch * OutputSize);
    }

    /// <summary>Releases the ORT session and cached tensors.</summary>
    public void Dispose()
    {
        foreach (OrtValue value in _byBatch.Values.Concat(_bySample.Values).Concat(_recurrent.Values).SelectMany(v => v.Inputs.Concat(v.Outputs)))
        {
            value.Dispose();
        }
        _byBatch.Clear();
        _bySample.Clear();
        _recurrent.Clear();
        _session.Dispose();
        _runOptions.Dispose();
    }
}
